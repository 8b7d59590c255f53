//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestForkPromptsOnTerminal: ssh asks for a password before it forks;
// gssh's background child asks on the terminal its caller had, and the
// foreground gssh exits 0 once the password was accepted, while the
// command runs on in the background.
func TestForkPromptsOnTerminal(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := muxDir(t)     // t.TempDir's parent is private to root
	os.Chmod(dir, 0o777) // the command runs as the test user
	out := filepath.Join(dir, "out")
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "-f", "-o", "BatchMode=no", "-o", "PubkeyAuthentication=no",
		"sshd-user", "sleep 0.2; echo after the password > "+out)
	p.waitFor(sshdtest.TestUser+"@"+s.Host+"'s password: ", 20*time.Second)
	p.typeText(sshdtest.TestUserPassword + "\r")
	if code := p.wait(20 * time.Second); code != 0 {
		t.Fatalf("gssh -f exited %d; terminal shows:\n%q", code, p.screen())
	}
	if !eventually(15*time.Second, func() bool {
		data, _ := os.ReadFile(out)
		return string(data) == "after the password\n"
	}) {
		t.Fatal("the background command did not run")
	}
	p.assertTermiosRestored()
}
