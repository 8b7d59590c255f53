//go:build linux || darwin || freebsd

package client

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Terminal is the local terminal on stdin. A session with a pty switches it
// to raw mode the way ssh's enter_raw_mode does and puts it back when the
// session ends. Restore is idempotent and safe from any goroutine, so the
// caller can also call it from its own exit paths.
type Terminal struct {
	fd int

	mu    sync.Mutex
	saved *unix.Termios // the cooked settings while raw, else nil
}

// OpenTerminal returns the terminal on fd, or nil when fd is not a
// terminal: ssh then never allocates a pty unless forced, and never
// touches the mode.
func OpenTerminal(fd int) *Terminal {
	if !term.IsTerminal(fd) {
		return nil
	}
	return &Terminal{fd: fd}
}

// MakeRaw puts the terminal into ssh's raw mode until Restore. Calling it
// while raw does nothing.
func (t *Terminal) MakeRaw() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved != nil {
		return nil
	}
	tio, err := unix.IoctlGetTermios(t.fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("client: tcgetattr: %w", err)
	}
	saved := *tio
	// Exactly sshtty.c's changes, not cfmakeraw's: parity and character
	// size stay as the user set them.
	tio.Iflag |= unix.IGNPAR
	tio.Iflag &^= unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXANY | unix.IXOFF | modeIUCLC
	tio.Lflag &^= unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL | unix.IEXTEN
	tio.Oflag &^= unix.OPOST
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	// TCSADRAIN: output already written keeps its old post-processing.
	if err := unix.IoctlSetTermios(t.fd, ioctlSetTermiosDrain, tio); err != nil {
		return fmt.Errorf("client: tcsetattr: %w", err)
	}
	t.saved = &saved
	return nil
}

// Restore puts back the settings MakeRaw replaced. It does nothing when
// the terminal is not raw, and may be called from any goroutine (signal
// handlers, panics, the caller's own exit path). A nil Terminal is valid.
func (t *Terminal) Restore() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	if err := unix.IoctlSetTermios(t.fd, ioctlSetTermiosDrain, t.saved); err != nil {
		return fmt.Errorf("client: tcsetattr: %w", err)
	}
	t.saved = nil
	return nil
}

// size reads the window size like ssh: from stdin, and all zeros when that
// fails or there is no terminal (ssh sends 0x0, not 80x24).
func (t *Terminal) size() windowSize {
	if t == nil {
		return windowSize{}
	}
	ws, err := unix.IoctlGetWinsize(t.fd, unix.TIOCGWINSZ)
	if err != nil {
		return windowSize{}
	}
	return windowSize{Cols: uint32(ws.Col), Rows: uint32(ws.Row), Width: uint32(ws.Xpixel), Height: uint32(ws.Ypixel)}
}

// modes encodes the terminal's current settings as the pty-req mode string
// (RFC 4254 §8), like OpenSSH's ssh_tty_make_modes built for this
// platform. Without a terminal ssh sends no modes at all, only TTY_OP_END,
// and the server keeps its defaults.
func (t *Terminal) modes() []byte {
	if t == nil {
		return []byte{0}
	}
	tio, err := unix.IoctlGetTermios(t.fd, ioctlGetTermios)
	if err != nil {
		return []byte{0}
	}
	return encodeModes(tio)
}
