//go:build unix

package registry

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// signalChecked sends sig to e's process after checking that the pid
// still names it (start time, boot, owner). Without a pidfd a pid reused
// in between remains possible, within microseconds.
func signalChecked(e *Entry, sig unix.Signal) error {
	p, err := LookupProc(e.PID)
	if err != nil {
		return err
	}
	if !p.Matches(e) {
		return fmt.Errorf("registry: process %d: %w", e.PID, unix.ESRCH)
	}
	if err := unix.Kill(e.PID, sig); err != nil {
		return fmt.Errorf("registry: process %d: %w", e.PID, err)
	}
	return nil
}

// Running reports whether e's process is still running.
func Running(e *Entry) bool {
	p, err := LookupProc(e.PID)
	return err == nil && p.Matches(e)
}
