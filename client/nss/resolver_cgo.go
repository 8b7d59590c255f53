//go:build cgo && !netgo

package nss

// resolverUsesLibc: with cgo, Go's resolver already hands names to the C
// library when nsswitch.conf needs it (see nsshosts.go).
const resolverUsesLibc = true
