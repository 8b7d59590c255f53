//go:build linux || darwin || freebsd

package tty

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// lineMode is LineMode on fd, raw over the cooked settings saved: those
// settings with ISIG off and VEOF disabled.
func lineMode(fd int, saved *state) error {
	tio := saved.termios
	tio.Lflag &^= unix.ISIG
	tio.Cc[unix.VEOF] = posixVDisable
	if err := unix.IoctlSetTermios(fd, ioctlSetTermiosDrain, &tio); err != nil {
		return fmt.Errorf("tty: tcsetattr: %w", err)
	}
	return nil
}
