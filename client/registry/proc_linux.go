package registry

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LookupProc reads /proc/PID: the start time (field 22 of stat, clock
// ticks since boot), the state (field 3; T or t is stopped, Z or X is
// gone), the owner of the directory (the process's effective uid) and the
// boot id.
func LookupProc(pid int) (Proc, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, err)
	}
	var fi syscall.Stat_t
	if err := syscall.Stat(dir, &fi); err != nil {
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, err)
	}
	// The command name in field 2 is in parentheses and may hold anything,
	// spaces and parentheses included: fields resume after the last ')'.
	end := bytes.LastIndexByte(b, ')')
	if end < 0 {
		return Proc{}, fmt.Errorf("registry: process %d: malformed stat", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 {
		return Proc{}, fmt.Errorf("registry: process %d: malformed stat", pid)
	}
	if f[0] == "Z" || f[0] == "X" {
		// Exited, not yet reaped by its parent.
		return Proc{}, fmt.Errorf("registry: process %d: %w", pid, syscall.ESRCH)
	}
	start, err := strconv.ParseUint(f[19], 10, 64) // field 22
	if err != nil {
		return Proc{}, fmt.Errorf("registry: process %d: start time: %w", pid, err)
	}
	return Proc{
		Start:   start,
		BootID:  bootID(),
		UID:     int(fi.Uid),
		Stopped: f[0] == "T" || f[0] == "t", // field 3
	}, nil
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
