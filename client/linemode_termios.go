//go:build linux || darwin || freebsd

package client

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// lineMode switches a raw terminal to the mode of the ~C command line:
// the user's own cooked settings, so the kernel echoes and edits the
// line, but with signals off and no end-of-file character, so that ^C
// and ^D reach the line as bytes instead of ending the session or its
// input. Restore still puts back the cooked settings, and MakeRaw after
// it returns to raw mode. A terminal that is not raw is left alone.
func (t *Terminal) lineMode() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	tio := *t.saved
	tio.Lflag &^= unix.ISIG
	tio.Cc[unix.VEOF] = posixVDisable
	if err := unix.IoctlSetTermios(t.fd, ioctlSetTermiosDrain, &tio); err != nil {
		return fmt.Errorf("client: tcsetattr: %w", err)
	}
	return nil
}
