//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxAskMaster: a -MM (ControlMaster ask) master asks SSH_ASKPASS
// "Allow shared connection to H? " before each passenger session; "yes"
// shares the connection, "no" makes the master answer PERMISSION_DENIED
// and the passenger connect directly with ssh's message. OpenSSH's master
// is the reference.
func TestMuxAskMaster(t *testing.T) {
	answer, questions := scriptedAskpass(t)

	for _, master := range []string{sshBin, gsshBin} {
		t.Run(filepath.Base(master)+" master", func(t *testing.T) {
			os.Remove(questions)
			s := sshdtest.Start(t, sshdtest.Options{})
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, master, s, sock, "-M") // -M -M: ask
			// Cleanups run last first: allow the -O exit of stopMaster.
			t.Cleanup(func() { os.WriteFile(answer, []byte("yes\n"), 0o600) })

			writeFile(t, answer, "yes\n")
			r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo shared")
			if r.code != 0 || r.stdout != "shared\n" || r.stderr != "" {
				t.Fatalf("allowed: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if n := logins(t, s); n != 1 {
				t.Fatalf("allowed: %d logins, want 1", n)
			}
			if got, want := readFile(t, questions), "Allow shared connection to 127.0.0.1? |confirm\n"; got != want {
				t.Errorf("askpass was asked %q, want %q", got, want)
			}

			writeFile(t, answer, "no\n")
			r = gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo direct")
			if r.code != 0 || r.stdout != "direct\n" || !strings.Contains(r.stderr, "Master refused session request: Permission denied") {
				t.Fatalf("refused: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if n := logins(t, s); n != 2 {
				t.Errorf("refused: %d logins, want 2 (the passenger connected directly)", n)
			}
		})
	}
}

// scriptedAskpass makes SSH_ASKPASS, for this test, a script that appends
// each question and its SSH_ASKPASS_PROMPT as "QUESTION|PROMPT" to the
// file questions, and answers with the contents of the file answer.
func scriptedAskpass(t *testing.T) (answer, questions string) {
	t.Helper()
	dir := t.TempDir()
	askpass := filepath.Join(dir, "askpass")
	answer = filepath.Join(dir, "answer")
	questions = filepath.Join(dir, "questions")
	writeFile(t, askpass, "#!/bin/sh\nprintf '%s|%s\\n' \"$1\" \"$SSH_ASKPASS_PROMPT\" >> "+questions+"\ncat "+answer+"\n")
	if err := os.Chmod(askpass, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSH_ASKPASS", askpass)
	t.Setenv("SSH_ASKPASS_REQUIRE", "force")
	t.Setenv("DISPLAY", "")
	return answer, questions
}
