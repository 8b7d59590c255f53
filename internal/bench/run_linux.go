package bench

import (
	"bytes"
	"fmt"
	"os/exec"
	"syscall"
	"time"
	"unsafe"
)

// Sample is what one client run cost: wall time, and the kernel's account
// of the process (wait4 rusage) once it exited.
type Sample struct {
	Wall time.Duration
	// CPU is user plus system time of the client process alone, over the
	// same span as Wall when Bytes is set, else over its whole life.
	CPU time.Duration
	// MaxRSS is the peak resident set of the client process, in bytes.
	MaxRSS int64
	// Bytes is how much data moved in Wall; zero for rows that time
	// something other than a transfer.
	Bytes int64
}

// Measure runs cmd to completion and returns its Sample. A non-zero exit
// is an error that quotes the command's stderr, when cmd.Stderr was left
// unset.
func Measure(cmd *exec.Cmd) (Sample, error) {
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, err
	}
	err := cmd.Wait()
	s := Sample{Wall: time.Since(start)}
	s.CPU, s.MaxRSS = Usage(cmd)
	if err != nil {
		return s, fmt.Errorf("%s: %w: %s", cmd.Args, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return s, nil
}

// Usage is the CPU time (user plus system) and peak resident set, in
// bytes, of an exited command, from its wait4 rusage.
func Usage(cmd *exec.Cmd) (cpu time.Duration, maxRSS int64) {
	if cmd.ProcessState == nil {
		return 0, 0
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	cpu = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return cpu, ru.Maxrss * 1024 // kilobytes on Linux
}

// ProcessCPU is the CPU time a running process has used so far, all its
// threads together (dead ones included), to the nanosecond: the
// process's CPU clock, as clock_getcpuclockid(3) names it. Subtracted
// from the rusage at exit, it leaves the CPU of a transfer without the
// process's start, key exchange and authentication. (/proc/PID/stat
// counts in 10 ms ticks, and /proc/PID/schedstat reads zero on kernels
// without scheduler statistics, as on the build machine.)
func ProcessCPU(pid int) (time.Duration, error) {
	// The kernel's encoding of a process-wide CPUCLOCK_SCHED clock.
	clock := (^uintptr(pid))<<3 | 2
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, fmt.Errorf("bench: CPU clock of pid %d: %w", pid, errno)
	}
	return time.Duration(ts.Nano()), nil
}
