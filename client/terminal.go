package client

// RestoreOnPanic restores the terminal if the calling goroutine is
// panicking, then panics again: a crash must not leave the user's terminal
// raw. Use it as "defer t.RestoreOnPanic()" at the top of a goroutine.
func (t *Terminal) RestoreOnPanic() {
	if r := recover(); r != nil {
		t.Restore()
		panic(r)
	}
}

// windowSize is the pty-req and window-change size in ssh's order:
// columns, rows, then pixels.
type windowSize struct {
	Cols, Rows, Width, Height uint32
}
