package registry

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// LookupProc asks sysctl kern.proc.pid.PID: the start time (p_starttime,
// as microseconds since the epoch), the state (SSTOP is stopped) and the
// effective uid.
func LookupProc(pid int) (Proc, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, err)
	}
	if kp.Proc.P_pid != int32(pid) {
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, unix.ESRCH)
	}
	tv := kp.Proc.P_starttime
	const sstop = 4 // <sys/proc.h>
	return Proc{
		Start:   uint64(tv.Sec)*1e6 + uint64(tv.Usec),
		UID:     int(kp.Eproc.Ucred.Uid),
		Stopped: kp.Proc.P_stat == sstop,
	}, nil
}
