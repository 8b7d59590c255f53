//go:build unix

package tunnel

import (
	"os"
	"syscall"
)

// forceSignal is the signal that forces a reconnection, as autossh takes
// it: SIGUSR1.
func forceSignal() os.Signal { return syscall.SIGUSR1 }
