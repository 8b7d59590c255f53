package tty

import (
	"errors"
	"os"
)

// Windows has no local terminal support yet: Open always returns nil, so
// sessions run with plain pipes, get a pty only when forced (-tt, with
// no modes and a 0x0 size), and never switch the console to raw mode.
// The functions below are never reached through a Terminal.

// state is empty: nothing is ever saved.
type state struct{}

// isTerminal is false: Windows consoles are not supported yet.
func isTerminal(int) bool { return false }

func makeRaw(int) (*state, error) { return nil, errors.ErrUnsupported }

func restore(int, *state) error { return errors.ErrUnsupported }

func lineMode(int, *state) error { return errors.ErrUnsupported }

// size is all zeros, what ssh sends without a terminal.
func size(int) WindowSize { return WindowSize{} }

// modes is only TTY_OP_END, what ssh sends without a terminal.
func modes(int) []byte { return []byte{0} }

// notifyWindowChange does nothing: Windows has no SIGWINCH, and Open
// never returns a terminal whose size could change.
func notifyWindowChange(chan<- os.Signal) {}
