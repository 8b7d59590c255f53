package bench

import (
	"bytes"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Sample is what one client run cost: wall time, and the kernel's account
// of the process (wait4 rusage) once it exited.
type Sample struct {
	Wall time.Duration
	// CPU is user plus system time of the client process alone.
	CPU time.Duration
	// MaxRSS is the peak resident set of the client process, in bytes.
	MaxRSS int64
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
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.CPU = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
		s.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w: %s", cmd.Args, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return s, nil
}
