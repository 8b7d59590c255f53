//go:build unix

package tty

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyWindowChange relays SIGWINCH, the local terminal's window-size
// change, to c until signal.Stop(c).
func notifyWindowChange(c chan<- os.Signal) {
	signal.Notify(c, syscall.SIGWINCH)
}
