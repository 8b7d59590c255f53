//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxProxy: `-O proxy` (MUX_C_PROXY) runs the session through the
// master with the connection protocol on the control socket, for every
// pairing of gssh and ssh as master and proxy client: exit status,
// stdin, stdout and stderr kept apart, a pty, and one login at sshd.
func TestMuxProxy(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	var refPTY string
	for _, pair := range muxPairs {
		t.Run(filepath.Base(pair.master)+"-master-"+filepath.Base(pair.passenger)+"-passenger", func(t *testing.T) {
			master, passenger := progPath(pair.master), progPath(pair.passenger)
			sock := filepath.Join(muxDir(t), "ctl")
			before := logins(t, s)
			startMasterWith(t, master, s, sock)
			proxied := func(stdin string, args ...string) result {
				all := append([]string{"-F", s.ClientConfig, "-S", sock, "-O", "proxy", "sshd"}, args...)
				start := time.Now()
				r := runClient(t, passenger, strings.NewReader(stdin), nil, all...)
				t.Logf("%q: %v", args, time.Since(start))
				return r
			}
			if r := proxied("", "exit 5"); r.code != 5 || r.stderr != "" {
				t.Errorf("exit 5: exit %d, stderr %q", r.code, r.stderr)
			}
			big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB each way: more than a 2 MiB window
			r := proxied("a\nb\n"+big, "cat; echo err >&2; exit 3")
			if r.code != 3 || r.stdout != "a\nb\n"+big || r.stderr != "err\n" {
				t.Errorf("cat: exit %d, %d bytes of stdout (want %d), stderr %q", r.code, len(r.stdout), len("a\nb\n"+big), r.stderr)
			}
			r = proxied("", "-tt", "tty >/dev/null && echo pty")
			if r.code != 0 || !strings.Contains(r.stdout, "pty") {
				t.Errorf("-tt: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			if pair.passenger == sshBin {
				refPTY = r.stderr
			} else if r.stderr != refPTY {
				t.Errorf("-tt: stderr %q, ssh's %q", r.stderr, refPTY)
			}
			if n := logins(t, s) - before; n != 1 {
				t.Errorf("sshd accepted %d logins, want 1 (the master's)", n)
			}
		})
	}
}

// TestMuxProxyForwards: a proxy client's -L opens direct-tcpip channels
// through the master (both masters, both clients); its -R goes to an
// OpenSSH master as tcpip-forward, which routes the server's channels
// back to the client, while a gssh master refuses it, and both clients
// print ssh's warning (see docs/multiplexing.md).
func TestMuxProxyForwards(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	target := greeter(t, "through the proxy\n")
	to := "127.0.0.1:" + strconv.Itoa(target)
	for _, pair := range muxPairs {
		t.Run(filepath.Base(pair.master)+"-master-"+filepath.Base(pair.passenger)+"-passenger", func(t *testing.T) {
			master, passenger := progPath(pair.master), progPath(pair.passenger)
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, master, s, sock)
			lport := unusedPort(t)
			// The remote command (on this machine) fetches through the
			// client's -L while the client runs.
			r := runClient(t, passenger, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "proxy",
				"-o", "ExitOnForwardFailure=yes", "-L", fmt.Sprintf("127.0.0.1:%d:%s", lport, to), "sshd", fetchScript(lport))
			if r.code != 0 || r.stdout != "through the proxy\n" {
				t.Errorf("-L: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			rport := unusedPort(t)
			r = runClient(t, passenger, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "proxy",
				"-R", fmt.Sprintf("%d:%s", rport, to), "sshd", fetchScript(rport))
			if pair.master == "gssh" { // refused: see docs/multiplexing.md
				want := fmt.Sprintf("Warning: remote port forwarding failed for listen port %d\r\n", rport)
				if !strings.Contains(r.stderr, want) {
					t.Errorf("-R through a gssh master: exit %d stdout %q stderr %q, want the warning", r.code, r.stdout, r.stderr)
				}
				return
			}
			if r.code != 0 || r.stdout != "through the proxy\n" {
				t.Errorf("-R: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// fetchScript is a remote command that prints what 127.0.0.1:port sends.
func fetchScript(port int) string {
	return fmt.Sprintf("bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d && cat <&3'", port)
}
