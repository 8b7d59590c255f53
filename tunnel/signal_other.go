//go:build !unix

package tunnel

import "os"

// forceSignal is nil where there is no SIGUSR1: nothing forces a
// reconnection.
func forceSignal() os.Signal { return nil }
