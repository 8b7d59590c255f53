//go:build unix && !linux && !darwin

package registry

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// LookupProc on a Unix without /proc or kern.proc support here knows only
// whether the pid exists; the start stamp is 0 and the uid is the
// caller's, so a reused pid of the same user is not told apart
// (docs/sessions.md).
func LookupProc(pid int) (Proc, error) {
	if err := unix.Kill(pid, 0); err != nil && err != unix.EPERM {
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, err)
	} else if err == unix.EPERM {
		return Proc{UID: -1}, nil
	}
	return Proc{UID: os.Getuid()}, nil
}
