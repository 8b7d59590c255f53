//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxPTYSessionWithWindowChange: a -tt shell through a master, in
// every pairing of gssh and OpenSSH: the pty has the client's size,
// follows a resize (the client relays SIGWINCH to the master, which
// reads the size from the passed terminal), the exit status comes back,
// the terminal is restored and the client says "Shared connection to H
// closed." One login: a gssh client's session is checked by a gssh
// master, whose budget for the channel open is at least 2 s
// (controlmaster/budget_unix.go), not a fixed 800 ms that a loaded machine could
// exceed, making the client connect directly.
func TestMuxPTYSessionWithWindowChange(t *testing.T) {
	for _, tc := range []struct{ name, master, client string }{
		{"gssh master, ssh client", gsshBin, sshBin},
		{"gssh master, gssh client", gsshBin, gsshBin},
		{"ssh master, gssh client", sshBin, gsshBin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, tc.master, s, sock)
			p := startPtyCommand(t, 30, 100, nil, tc.client, "-F", s.ClientConfig, "-S", sock, "-tt", "sshd")
			p.ready()
			p.typeText("stty size\r")
			p.waitFor("30 100", 10*time.Second)
			if err := pty.Setsize(p.master, &pty.Winsize{Rows: 41, Cols: 123}); err != nil {
				t.Fatal(err)
			}
			// SIGWINCH is asynchronous: ask until the new size shows.
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(p.screen(), "41 123") {
				if time.Now().After(deadline) {
					t.Fatalf("remote size never became 41 123:\n%q", p.screen())
				}
				p.typeText("stty size\r")
				time.Sleep(200 * time.Millisecond)
			}
			p.typeText("exit 3\r")
			if code := p.wait(10 * time.Second); code != 3 {
				t.Fatalf("exit %d, want 3; terminal:\n%q", code, p.screen())
			}
			p.waitFor("Shared connection to 127.0.0.1 closed.", 5*time.Second)
			p.assertTermiosRestored()
			if n := logins(t, s); n != 1 {
				t.Errorf("sshd accepted %d logins, want 1", n)
			}
		})
	}
}

// TestMuxPassengerTerminalMadeBlocking: the passenger's terminal is shared
// with the master (fd passing), O_NONBLOCK included. Another process
// clearing it during the session (here the test, as os.File.Fd would)
// must not leave the master stuck in read(2) when the session ends: the
// passenger gets its exit status.
func TestMuxPassengerTerminalMadeBlocking(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock)
	p := startPtyCommand(t, 24, 80, nil, gsshBin, "-F", s.ClientConfig, "-S", sock, "-tt", "sshd", "echo RE''ADY; head -n 1; exit 7")
	p.waitFor("READY", 10*time.Second)
	p.waitRaw(10 * time.Second)
	if err := withFD(p.tty, func(fd int) error { return unix.SetNonblock(fd, false) }); err != nil {
		t.Fatal(err)
	}
	p.typeText("line\r")
	if code := p.wait(10 * time.Second); code != 7 {
		t.Fatalf("exit %d, want 7; terminal:\n%q", code, p.screen())
	}
}
