//go:build unix

package main

import (
	"path/filepath"
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
