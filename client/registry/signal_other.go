//go:build unix && !linux

package registry

import "golang.org/x/sys/unix"

// Signal sends sig to the process of e, if it is still that process.
func Signal(e *Entry, sig unix.Signal) error { return signalChecked(e, sig) }
