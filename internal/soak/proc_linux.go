package soak

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gssh/gssh/internal/bench"
)

// Snapshot is what /proc says about a process at one moment.
type Snapshot struct {
	FDs     int           // open descriptors (/proc/PID/fd)
	RSS     int64         // resident set now, bytes (VmRSS)
	Peak    int64         // highest resident set so far, bytes (VmHWM)
	Threads int           // OS threads
	CPU     time.Duration // user plus system time so far, all threads
}

// Probe reads pid's Snapshot.
func Probe(pid int) (Snapshot, error) {
	var s Snapshot
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.FDs = len(fds)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	fields := statusFields(status)
	s.RSS = fields["VmRSS"] * 1024
	s.Peak = fields["VmHWM"] * 1024
	s.Threads = int(fields["Threads"])
	if s.CPU, err = bench.ProcessCPU(pid); err != nil {
		return s, err
	}
	return s, nil
}

// statusFields reads the numeric fields of /proc/PID/status (the memory
// ones in kB).
func statusFields(status []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			out[name] = n
		}
	}
	return out
}

// ErrNoDump is returned when a process sent SIGUSR2 wrote no goroutine
// dump in time: it was not started with GSSH_GOROUTINE_DUMP, or is not
// gssh.
var ErrNoDump = errors.New("soak: no goroutine dump")

// Goroutines asks the gssh process pid for its goroutines (SIGUSR2) and
// returns how many it has, read from the dump it writes at path. The
// caller must not ask the same process twice at once.
func Goroutines(pid int, path string, wait time.Duration) (int, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	if err := syscall.Kill(pid, syscall.SIGUSR2); err != nil {
		return 0, err
	}
	// The dump is renamed into place whole: its appearance is the answer.
	deadline := time.Now().Add(wait)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		data, err := os.ReadFile(path)
		if err == nil {
			return parseDump(data)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return 0, err
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%w from pid %d within %v", ErrNoDump, pid, wait)
		}
		time.Sleep(delay)
	}
}

// parseDump reads N from the first line of a goroutine profile,
// "goroutine profile: total N".
func parseDump(data []byte) (int, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	n, err := strconv.Atoi(strings.TrimPrefix(string(line), "goroutine profile: total "))
	if err != nil {
		return 0, fmt.Errorf("soak: not a goroutine profile: %q", line)
	}
	return n, nil
}
