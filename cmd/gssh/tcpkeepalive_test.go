//go:build linux

package main

import (
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// keepaliveTimers returns, for each TCP connection to port held by a
// process called ssh or gssh, its keepalive timer as ss(8) shows it
// ("keepalive,119min,0"), or "" when SO_KEEPALIVE is off.
func keepaliveTimers(t *testing.T, port int) []string {
	t.Helper()
	out, err := exec.Command("ss", "-tnopH", "state", "established", fmt.Sprintf("( dport = :%d )", port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	client := regexp.MustCompile(`users:\(\("g?ssh",`)
	timer := regexp.MustCompile(`timer:\((keepalive,[^,]*),`)
	var timers []string
	for _, line := range strings.Split(string(out), "\n") {
		if !client.MatchString(line) {
			continue
		}
		m := timer.FindStringSubmatch(line)
		if m == nil {
			timers = append(timers, "")
		} else {
			timers = append(timers, m[1])
		}
	}
	return timers
}

// TestTCPKeepAliveLikeOpenSSH reads SO_KEEPALIVE from the live sockets of
// /usr/bin/ssh and gssh, side by side, through ss(8): both set it by
// default and leave the kernel's idle time (the keepalive timer shows the
// system's tcp_keepalive_time, 7200 s here, not Go's 15 s), neither sets
// it with TCPKeepAlive no; the same for the socket to a ProxyJump host
// (ssh's "ssh -W" child reads the same configuration file), while a
// ProxyCommand's socket is the command's own.
func TestTCPKeepAliveLikeOpenSSH(t *testing.T) {
	if _, err := exec.LookPath("ss"); err != nil {
		testenv.SkipOrFail(t, "ss (iproute2) not installed: %v", err)
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	config := func(name, first string) string {
		path := filepath.Join(dir, name)
		writeFile(t, path, first+"Include "+s.ClientConfig+"\n")
		return path
	}
	on, off := config("on", ""), config("off", "TCPKeepAlive no\n")
	cases := []struct {
		name string
		args []string
		on   bool // ssh's socket to the server has SO_KEEPALIVE
	}{
		{"default", []string{"-F", on, "sshd"}, true},
		{"TCPKeepAlive no", []string{"-F", off, "sshd"}, false},
		{"ProxyJump", []string{"-F", on, "-J", "sshd", "sshd"}, true},
		{"ProxyJump, TCPKeepAlive no", []string{"-F", off, "-J", "sshd", "sshd"}, false},
		// nc is not installed everywhere; ssh -W is the proxy here, and
		// its own socket follows its own TCPKeepAlive, whatever the
		// client's is.
		{"ProxyCommand", []string{"-F", off, "-o", "ProxyCommand=/usr/bin/ssh -F " + on + " -W %h:%p sshd", "sshd"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2][]string
			for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
				cmd := exec.Command(prog, append(c.args, "echo READY; read line; true")...)
				stdin, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				ready := make([]byte, len("READY\n"))
				if _, err := io.ReadFull(stdout, ready); err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("%s: %v; stderr %q", prog, err, stderr.String())
				}
				// The session is up: every socket of the client is
				// connected and its options set.
				got[i] = keepaliveTimers(t, s.Port)
				stdin.Close()
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("%s: %v; stderr %q", prog, err, stderr.String())
					}
				case <-time.After(20 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("%s did not exit within 20s of EOF", prog)
				}
			}
			if len(got[0]) != 1 || (got[0][0] != "") != c.on {
				t.Fatalf("ssh's sockets to the server: keepalive timers %q, want one, keepalive %v", got[0], c.on)
			}
			if strings.Join(got[1], "|") != strings.Join(got[0], "|") {
				t.Errorf("keepalive timers: gssh %q, ssh %q", got[1], got[0])
			}
		})
	}
}
