//go:build unix

package sshdtest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenSSHClientReachesServer proves the harness with OpenSSH's own
// client: if this fails, every gssh integration test would fail too.
func TestOpenSSHClientReachesServer(t *testing.T) {
	s := Start(t, Options{})
	out, err := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "sshd", "echo", "hello").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello" {
		t.Fatalf("ssh sshd echo hello: %v: %q", err, out)
	}
}

func TestOpenSSHClientAsTestUser(t *testing.T) {
	RequireTestUser(t)
	s := Start(t, Options{})
	out, err := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "sshd-user", "id", "-un").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != TestUser {
		t.Fatalf("ssh sshd-user id -un: %v: %q", err, out)
	}
}

func TestStopEndsSessions(t *testing.T) {
	s := Start(t, Options{})
	cmd := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "sshd", "echo started; sleep 60")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Stop only once the session runs, so Stop is what ends it.
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "started\n" {
		t.Fatalf("session did not start: %q %v", line, err)
	}
	// Seen first: the session's sleep must be among the processes, or
	// finding them all gone afterwards would prove nothing. "started" is
	// printed before the shell runs sleep, so wait for it to appear.
	var sessions []int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		sessions = append(Descendants(s.Pid()), s.Pid())
		if hasComm(sessions, "sleep") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session's sleep is not among sshd's descendants %v", sessions)
		}
	}
	s.Stop()
	if err := cmd.Wait(); err == nil {
		t.Fatal("ssh exited 0 after its server was killed")
	}
	// SIGKILL is delivered asynchronously: allow the kernel a moment.
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range sessions {
		for alive(t, pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(t, pid) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Errorf("process %d still running after Stop: %s", pid, comm)
		}
	}
}

// hasComm reports whether one of pids runs the command named comm.
func hasComm(pids []int, comm string) bool {
	for _, pid := range pids {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(b)) == comm {
			return true
		}
	}
	return false
}

// alive reports whether pid exists and is not a zombie (a container
// without a reaping init keeps zombies around). Only "no such process"
// counts as gone; any other failure to read /proc fails the test.
func alive(t *testing.T, pid int) bool {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}
