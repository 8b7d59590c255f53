//go:build !linux

package tty

import "errors"

// stopSelf is not implemented outside Linux: without a thread-directed
// SIGTSTP there is no way to know when the stop has taken effect, and
// re-entering raw mode too early would break the user's shell.
func stopSelf() error { return errors.ErrUnsupported }

func background() error { return errors.ErrUnsupported }

func canBackground() bool { return false }
