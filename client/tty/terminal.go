package tty

import (
	"os"
	"sync"
)

// Terminal is the local terminal on stdin. A session with a pty switches it
// to raw mode the way ssh's enter_raw_mode does and puts it back when the
// session ends. Restore is idempotent and safe from any goroutine, so the
// caller can also call it from its own exit paths. A nil Terminal is valid
// and stands for "no terminal": its methods do nothing, Size is all zeros
// and Modes is only TTY_OP_END, as ssh without a terminal.
type Terminal struct {
	fd int

	mu    sync.Mutex
	saved *state // the cooked settings while raw, else nil
}

// Open returns the terminal on fd, or nil when fd is not a terminal: ssh
// then never allocates a pty unless forced, and never touches the mode.
// On Windows it always returns nil (see terminal_windows.go).
func Open(fd int) *Terminal {
	if !isTerminal(fd) {
		return nil
	}
	return &Terminal{fd: fd}
}

// MakeRaw puts the terminal into ssh's raw mode until Restore. Calling it
// while raw does nothing.
func (t *Terminal) MakeRaw() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved != nil {
		return nil
	}
	saved, err := makeRaw(t.fd)
	if err != nil {
		return err
	}
	t.saved = saved
	return nil
}

// Restore puts back the settings MakeRaw replaced. It does nothing when
// the terminal is not raw, and may be called from any goroutine (signal
// handlers, panics, the caller's own exit path).
func (t *Terminal) Restore() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	if err := restore(t.fd, t.saved); err != nil {
		return err
	}
	t.saved = nil
	return nil
}

// RestoreOnPanic restores the terminal if the calling goroutine is
// panicking, then panics again: a crash must not leave the user's terminal
// raw. Use it as "defer t.RestoreOnPanic()" at the top of a goroutine.
func (t *Terminal) RestoreOnPanic() {
	if r := recover(); r != nil {
		t.Restore()
		panic(r)
	}
}

// LineMode switches a raw terminal to the mode of the ~C command line:
// the user's own cooked settings, so the kernel echoes and edits the
// line, but with signals off and no end-of-file character, so that ^C
// and ^D reach the line as bytes instead of ending the session or its
// input. Restore still puts back the cooked settings, and MakeRaw after
// it returns to raw mode. A terminal that is not raw is left alone.
func (t *Terminal) LineMode() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	return lineMode(t.fd, t.saved)
}

// WindowSize is the pty-req and window-change size in ssh's order:
// columns, rows, then pixels.
type WindowSize struct {
	Cols, Rows, Width, Height uint32
}

// Size reads the window size like ssh: from stdin, and all zeros when that
// fails or there is no terminal (ssh sends 0x0, not 80x24).
func (t *Terminal) Size() WindowSize {
	if t == nil {
		return WindowSize{}
	}
	return size(t.fd)
}

// Modes encodes the terminal's current settings as the pty-req mode string
// (RFC 4254 §8), like OpenSSH's ssh_tty_make_modes built for this
// platform. Without a terminal ssh sends no modes at all, only TTY_OP_END,
// and the server keeps its defaults.
func (t *Terminal) Modes() []byte {
	if t == nil {
		return []byte{0}
	}
	return modes(t.fd)
}

// NotifyWindowChange relays the local terminal's window-size changes
// (SIGWINCH) to c until signal.Stop(c). Where there is no such signal
// (Windows) it does nothing.
func NotifyWindowChange(c chan<- os.Signal) { notifyWindowChange(c) }

// StopSelf stops gssh with SIGTSTP, as ssh's kill(getpid(), SIGTSTP) does
// for ~^Z, and returns once the process has been continued (fg, or
// SIGCONT). Outside Linux it returns errors.ErrUnsupported
// (suspend_other.go).
func StopSelf() error { return stopSelf() }

// Background is ~&'s stand-in for ssh's fork: a Go process cannot fork,
// so gssh stops itself as StopSelf does, which makes a job-control shell
// take the terminal back and show its prompt, and a helper process
// continues it as soon as the shell has done so; gssh then runs on as a
// background job. The caller must have restored the terminal and must
// not read it again. It returns once gssh runs again; without a shell
// that takes the stop (an orphaned process group) it returns at once
// and gssh stays in the foreground. Outside Linux it returns
// errors.ErrUnsupported.
func Background() error { return background() }

// CanBackground reports whether Background is implemented here (Linux).
func CanBackground() bool { return canBackground() }
