//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import "golang.org/x/sys/unix"

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// ttyName is not known without cgo's ttyname(3) here, so no terminal is
// recorded and --end cannot restore one (docs/sessions.md).
func ttyName(int) string { return "" }
