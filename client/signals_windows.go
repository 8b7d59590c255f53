package client

import "os"

// notifyWindowChange does nothing: Windows has no SIGWINCH, and
// OpenTerminal never returns a terminal whose size could change.
func notifyWindowChange(chan<- os.Signal) {}
