//go:build linux || darwin || freebsd

package tty

import (
	"fmt"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// state is the cooked termios settings MakeRaw replaced.
type state struct {
	termios unix.Termios
}

func isTerminal(fd int) bool { return term.IsTerminal(fd) }

// makeRaw applies ssh's raw mode to fd and returns the settings it
// replaced.
func makeRaw(fd int) (*state, error) {
	tio, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, fmt.Errorf("tty: tcgetattr: %w", err)
	}
	saved := &state{termios: *tio}
	// Exactly sshtty.c's changes, not cfmakeraw's: parity and character
	// size stay as the user set them.
	tio.Iflag |= unix.IGNPAR
	tio.Iflag &^= unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXANY | unix.IXOFF | modeIUCLC
	tio.Lflag &^= unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL | unix.IEXTEN
	tio.Oflag &^= unix.OPOST
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	// TCSADRAIN: output already written keeps its old post-processing.
	if err := unix.IoctlSetTermios(fd, ioctlSetTermiosDrain, tio); err != nil {
		return nil, fmt.Errorf("tty: tcsetattr: %w", err)
	}
	return saved, nil
}

// restore puts saved back on fd.
func restore(fd int, saved *state) error {
	if err := unix.IoctlSetTermios(fd, ioctlSetTermiosDrain, &saved.termios); err != nil {
		return fmt.Errorf("tty: tcsetattr: %w", err)
	}
	return nil
}

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

// size reads fd's window size, all zeros when that fails.
func size(fd int) WindowSize {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return WindowSize{}
	}
	return WindowSize{Cols: uint32(ws.Col), Rows: uint32(ws.Row), Width: uint32(ws.Xpixel), Height: uint32(ws.Ypixel)}
}

// modes encodes fd's current settings (encodeModes), or only TTY_OP_END
// when they cannot be read.
func modes(fd int) []byte {
	tio, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return []byte{0}
	}
	return encodeModes(tio)
}
