//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestUpdateHostKeysAskLikeOpenSSH: with UpdateHostKeys=ask and an
// interactive login (ssh.c turns ask off for a command, RequestTTY=no or
// ControlPersist), ssh prints at INFO what the server's proven update
// would change and asks "Accept updated hostkeys? (yes/no): " on the
// terminal, up to three times; "yes" (any case) rewrites known_hosts,
// anything else leaves it. Run under a pty for /usr/bin/ssh and gssh
// alike: the terminals show the same lines from the first message to the
// last prompt, and the files end up the same. gssh asks before the
// session takes the terminal; ssh asks once the shell is up, with
// everything else stopped.
func TestUpdateHostKeysAskLikeOpenSSH(t *testing.T) {
	r := startRotating(t)
	r.have(t, "ed", "ec")
	kh := filepath.Join(t.TempDir(), "known_hosts")
	ed := r.line("ed", false) + "\n"
	args := []string{"-F", "none", "-p", strconv.Itoa(r.Port), "-i", r.UserKey, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "UserKnownHostsFile=" + kh, "-o", "StrictHostKeyChecking=yes",
		"-o", "UpdateHostKeys=ask", r.Host}
	const prompt = "Accept updated hostkeys? (yes/no): "
	for _, c := range []struct {
		name    string
		answers []string
		changed bool
	}{
		{"yes", []string{"yes"}, true},
		{"YES", []string{"YES"}, true},
		{"no", []string{"no"}, false},
		{"maybe, then yes", []string{"maybe", "yes"}, true},
		{"three wrong answers", []string{"a", "b", "c"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := func(prog string) (dialogue, file string) {
				writeFile(t, kh, ed)
				os.Remove(kh + ".old")
				p := startPtyCommand(t, 24, 200, nil, prog, args...)
				for i, a := range c.answers {
					waitCount(t, p, prompt, i+1)
					p.typeText(a + "\r")
				}
				p.typeText("exit\r")
				if code := p.wait(20 * time.Second); code != 0 {
					t.Errorf("%s: exit %d; terminal:\n%q", prog, code, p.screen())
				}
				screen := p.screen()
				start := strings.Index(screen, "The server has updated its host keys.")
				end := strings.LastIndex(screen, prompt)
				if start < 0 || end < start {
					t.Fatalf("%s: terminal:\n%q", prog, screen)
				}
				// ssh logs its first lines while the terminal is raw,
				// gssh before the session made it raw, where the
				// terminal turns "\r\n" into "\r\r\n": the same on screen.
				return strings.ReplaceAll(screen[start:end+len(prompt)], "\r\r\n", "\r\n"), readFile(t, kh)
			}
			want, wantFile := run("/usr/bin/ssh")
			got, gotFile := run(gsshBin)
			if got != want {
				t.Errorf("terminal\n gssh %q\n  ssh %q", got, want)
			}
			if r.known(gotFile) != r.known(wantFile) {
				t.Errorf("known_hosts\n gssh %q\n  ssh %q", gotFile, wantFile)
			}
			if changed := gotFile != ed; changed != c.changed {
				t.Errorf("known_hosts changed: %v, want %v\n%s", changed, c.changed, gotFile)
			}
		})
	}
}

// waitCount waits until the terminal has shown s n times.
func waitCount(t *testing.T, p *ptySession, s string, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); strings.Count(p.screen(), s) < n; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("terminal never showed %q %d times; it shows:\n%q", s, n, p.screen())
		}
	}
}
