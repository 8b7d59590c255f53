package faults

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procState is the state letter of pid from /proc/PID/stat.
func procState(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[0]
}

// waitState waits (bounded) for pid to reach one of the states; the kernel
// applies SIGSTOP and SIGCONT asynchronously.
func waitState(t *testing.T, pid int, states string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(states, procState(t, pid)) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d in state %s, want one of %s", pid, procState(t, pid), states)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFreezeAndThaw(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	thaw := Freeze(t, []int{pid})
	waitState(t, pid, "T")
	thaw()
	waitState(t, pid, "SR")
	thaw() // idempotent
}
