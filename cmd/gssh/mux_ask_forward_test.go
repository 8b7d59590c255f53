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
	"github.com/gssh/gssh/mux"
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

// TestInvalidForward: the requests mux_master_process_open_fwd answers
// "Invalid forwarding request" before it looks anything up or asks.
func TestInvalidForward(t *testing.T) {
	for _, tc := range []struct {
		f     mux.Forward
		valid bool
	}{
		{mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: "h", ConnectPort: 80}, true},
		{mux.Forward{Kind: mux.ForwardDynamic, ListenPort: 1080, ConnectHost: "socks"}, true},
		{mux.Forward{Kind: mux.ForwardRemote, ListenPort: 0, ConnectHost: "socks"}, true},
		{mux.Forward{Kind: mux.ForwardLocal, ListenHost: "/l", ListenPort: mux.PortStreamLocal, ConnectHost: "/c", ConnectPort: mux.PortStreamLocal}, true},
		{mux.Forward{Kind: 7, ListenPort: 80, ConnectHost: "h", ConnectPort: 80}, false},
		{mux.Forward{Kind: mux.ForwardDynamic, ListenHost: "/l", ListenPort: mux.PortStreamLocal}, false},
		{mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: "h"}, false},
		{mux.Forward{Kind: mux.ForwardRemote, ListenPort: 80, ConnectPort: 80}, false},
	} {
		if got := invalidForward(tc.f) == ""; got != tc.valid {
			t.Errorf("invalidForward(%+v) = %q, want valid %v", tc.f, invalidForward(tc.f), tc.valid)
		}
	}
	long := strings.Repeat("h", 300)
	want := "local forward LOCALHOST:80 -> " + long[:200] + ":22"
	if got := describeForward(mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: long, ConnectPort: 22}, false); got != want {
		t.Errorf("describeForward cut the name to %d bytes, want 200", len(got)-len("local forward LOCALHOST:80 -> :22"))
	}
}
