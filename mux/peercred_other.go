//go:build unix && !linux && !darwin && !freebsd

package mux

import (
	"fmt"
	"runtime"
)

// peerUID fails on systems where gssh has no peer-credential call yet; a
// master must then refuse every client rather than trust them all.
func peerUID(int) (int, error) {
	return -1, fmt.Errorf("not supported on %s", runtime.GOOS)
}
