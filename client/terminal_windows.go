package client

// Terminal is the local terminal on stdin. Windows has no local terminal
// support yet: OpenTerminal always returns nil, so sessions run with plain
// pipes, get a pty only when forced (-tt, with no modes and a 0x0 size),
// and never switch the console to raw mode.
type Terminal struct{}

// OpenTerminal returns nil: Windows consoles are not supported yet.
func OpenTerminal(fd int) *Terminal { return nil }

// MakeRaw does nothing: there is never a terminal to switch.
func (t *Terminal) MakeRaw() error { return nil }

// Restore does nothing: MakeRaw never changed anything.
func (t *Terminal) Restore() error { return nil }

// size is all zeros, what ssh sends without a terminal.
func (t *Terminal) size() windowSize { return windowSize{} }

// modes is only TTY_OP_END, what ssh sends without a terminal.
func (t *Terminal) modes() []byte { return []byte{0} }
