package registry

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Signal sends sig to the process of e, if it is still that process. On
// Linux a pidfd pins the process between the check and the signal, so a
// pid reused meanwhile is never signalled.
func Signal(e *Entry, sig unix.Signal) error {
	fd, err := unix.PidfdOpen(e.PID, 0)
	if err == unix.ENOSYS {
		return signalChecked(e, sig)
	}
	if err != nil {
		return fmt.Errorf("registry: process %d: %w", e.PID, err)
	}
	defer unix.Close(fd)
	p, err := LookupProc(e.PID)
	if err != nil {
		return err
	}
	if !p.Matches(e) {
		return fmt.Errorf("registry: process %d: %w", e.PID, unix.ESRCH)
	}
	if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil {
		return fmt.Errorf("registry: process %d: %w", e.PID, err)
	}
	return nil
}
