//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxEscapesInMaster: the master, not the passenger, handles escapes
// for a pty session (mux.c registers the escape filter on the passenger's
// channel). ~? lists the mux variant of the help, ~V is refused as for
// any mux client, and ~. ends only that session: the passenger says
// "Shared connection to H closed." and exits 255, while the master keeps
// serving. The OpenSSH master with an OpenSSH passenger is the reference.
func TestMuxEscapesInMaster(t *testing.T) {
	for _, tc := range []struct{ name, master, client string }{
		{"ssh master, ssh client (reference)", sshBin, sshBin},
		{"gssh master, ssh client", gsshBin, sshBin},
		{"gssh master, gssh client", gsshBin, gsshBin},
		{"ssh master, gssh client", sshBin, gsshBin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			sock := filepath.Join(muxDir(t), "ctl")
			pid := startMasterWith(t, tc.master, s, sock)
			p := startPtyCommand(t, 24, 80, nil, tc.client, "-F", s.ClientConfig, "-S", sock, "-tt", "sshd")
			p.ready()
			p.waitRaw(10 * time.Second)
			p.typeText("\r~?")
			p.waitFor(" ~.   - terminate session\r\n", 5*time.Second)
			if strings.Contains(p.screen(), "terminate connection") {
				t.Errorf("~? listed the plain session's help:\n%q", p.screen())
			}
			p.typeText("~V")
			p.waitFor("~V escape not available to multiplexed sessions\r\n", 5*time.Second)
			start := time.Now()
			p.typeText("~.")
			if code := p.wait(5 * time.Second); code != 255 {
				t.Fatalf("exit %d after ~., want 255; terminal:\n%q", code, p.screen())
			}
			t.Logf("~. to exit: %v", time.Since(start).Round(time.Millisecond))
			// The terminal is restored first, so the line's \n becomes \r\n.
			p.waitFor("Shared connection to 127.0.0.1 closed.\r", 5*time.Second)
			p.assertTermiosRestored()

			// The master and its connection outlive the passenger.
			if got := checkMaster(t, tc.client, s.ClientConfig, sock); got != pid {
				t.Fatalf("master pid %d after ~., want %d", got, pid)
			}
			r := runClient(t, tc.client, nil, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo still")
			if r.code != 0 || r.stdout != "still\n" {
				t.Fatalf("next passenger: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if n := logins(t, s); n != 1 {
				t.Errorf("sshd accepted %d logins, want 1", n)
			}
		})
	}
}

// TestMuxEscapeNoneInMaster: with -e none the passenger asks for no
// escape character and the master passes ~. through as data.
func TestMuxEscapeNoneInMaster(t *testing.T) {
	for _, client := range []string{sshBin, gsshBin} {
		t.Run(filepath.Base(client), func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, gsshBin, s, sock)
			p := startPtyCommand(t, 24, 80, nil, client, "-F", s.ClientConfig, "-S", sock, "-e", "none", "-tt", "sshd", "echo RE''ADY; head -n 1")
			p.waitFor("READY", 10*time.Second)
			p.waitRaw(10 * time.Second)
			p.typeText("~.\r")
			p.waitFor("~.\r\n~.\r\n", 10*time.Second) // the pty's echo, then head's
			if code := p.wait(10 * time.Second); code != 0 {
				t.Fatalf("exit %d; terminal:\n%q", code, p.screen())
			}
		})
	}
}
