package sshdtest

import (
	"os/exec"
	"strings"
	"testing"
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
	cmd := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "sshd", "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	s.Stop()
	if err := cmd.Wait(); err == nil {
		t.Fatal("ssh exited 0 after its server was killed")
	}
	if pids := Descendants(s.Pid()); len(pids) != 0 {
		t.Fatalf("processes left after Stop: %v", pids)
	}
}
