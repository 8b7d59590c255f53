//go:build !cgo

package client

// resolverUsesLibc: without cgo, only Go's own resolver runs (see
// nsshosts.go).
const resolverUsesLibc = false
