//go:build !cgo || netgo

package nss

// resolverUsesLibc: without cgo, or with cgo but the netgo tag (the
// race-checked test build), only Go's own resolver runs (see
// nsshosts.go).
const resolverUsesLibc = false
