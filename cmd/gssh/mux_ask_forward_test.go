//go:build linux

package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxAskForward: a -MM master asks SSH_ASKPASS "Open local forward
// LOCALHOST:PORT -> 127.0.0.1:9 on 127.0.0.1?" (and the dynamic and
// remote forms) before it opens a forwarding that a client's -O forward
// asks for; "no" answers PERMISSION_DENIED and nothing listens. For ssh
// and gssh as the client, the gssh master's questions, the client's
// stderr and exit code equal those under an OpenSSH -MM master given the
// same answers.
func TestMuxAskForward(t *testing.T) {
	answer, questions := scriptedAskpass(t)

	type outcome struct {
		code              int
		stderr, questions string
		listening         bool
	}
	got := map[string]map[string]outcome{} // master, then client kind answer
	for _, master := range []string{sshBin, gsshBin} {
		got[master] = map[string]outcome{}
		t.Run(filepath.Base(master)+" master", func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, master, s, sock, "-M") // -M -M: ask
			// Cleanups run last first: allow the -O exit of stopMaster.
			t.Cleanup(func() { os.WriteFile(answer, []byte("yes\n"), 0o600) })
			for _, client := range []string{sshBin, gsshBin} {
				for _, kind := range []string{"-L", "-D", "-R"} {
					for _, ans := range []string{"no", "yes"} {
						port := freeLocalPort(t)
						spec := strconv.Itoa(port)
						if kind != "-D" {
							spec += ":127.0.0.1:9"
						}
						os.Remove(questions)
						writeFile(t, answer, ans+"\n")
						r := runClient(t, client, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "forward", kind, spec, "sshd")
						asked, _ := os.ReadFile(questions)
						norm := func(s string) string { return strings.ReplaceAll(s, strconv.Itoa(port), "PORT") }
						key := filepath.Base(client) + " " + kind + " " + ans
						o := outcome{code: r.code, stderr: norm(r.stderr), questions: norm(string(asked)), listening: listens(port)}
						got[master][key] = o
						if o.listening != (ans == "yes") {
							t.Errorf("%s: listening %v after %q; exit %d, stderr %q", key, o.listening, ans, r.code, r.stderr)
						}
						if want := "|confirm\n"; !strings.HasPrefix(o.questions, "Open ") || !strings.HasSuffix(o.questions, want) {
							t.Errorf("%s: askpass was asked %q", key, o.questions)
						}
					}
				}
			}
		})
	}
	for key, want := range got[sshBin] {
		if g := got[gsshBin][key]; g != want {
			t.Errorf("%s: gssh master gave %+v, OpenSSH master %+v", key, g, want)
		}
	}
	if len(got[sshBin]) != 12 || len(got[gsshBin]) != 12 {
		t.Errorf("outcomes: %d with the OpenSSH master, %d with gssh's; want 12 each", len(got[sshBin]), len(got[gsshBin]))
	}
}

// listens reports whether something accepts connections on the loopback
// port (a -R listens there too: sshd runs on this machine).
func listens(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
