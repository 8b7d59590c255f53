//go:build linux

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// aliveOpts are ServerAliveInterval 1, CountMax 2: a dead server is
// declared after (2+1)×1s = 3s of silence (OPENSSH-NOTES §3).
var aliveOpts = []string{"-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"}

// ticker prints "ready" and then a line every 100ms, so the last inbound
// byte before a fault is at most 100ms old and detection times are sharp.
const ticker = "echo ready; while :; do echo tick; sleep 0.1; done"

// assertDeclaredDead checks ssh's keepalive verdict: exit 255, the
// message, and detection between 2.5s and 4s after the fault.
func assertDeclaredDead(t *testing.T, r *running, fault time.Time) {
	t.Helper()
	code, ended := r.wait(t, 15*time.Second)
	took := ended.Sub(fault)
	t.Logf("declared dead %v after the fault (budget 3s)", took.Round(time.Millisecond))
	if code != 255 {
		t.Fatalf("exit %d, want 255; stderr %q", code, r.stderr.String())
	}
	if want := "Timeout, server 127.0.0.1 not responding.\r\n"; !strings.Contains(r.stderr.String(), want) {
		t.Fatalf("stderr %q lacks %q", r.stderr.String(), want)
	}
	if took < 2500*time.Millisecond || took > 4*time.Second {
		t.Fatalf("detected %v after the fault, want 2.5s..4s", took)
	}
}

// TestServerAliveDetectsFrozenServer: sshd's session processes SIGSTOPped
// mid-command; the kernel keeps the TCP connection open.
func TestServerAliveDetectsFrozenServer(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := startGssh(t, nil, nil, append([]string{"-F", s.ClientConfig}, append(aliveOpts, "sshd", ticker)...)...)
	r.waitLine(t, "ready")
	r.drain()
	faults.FreezeSessions(t, s)
	assertDeclaredDead(t, r, time.Now())
}

// TestServerAliveDetectsBlackhole: the network path stops carrying
// packets in both directions without any close or reset.
func TestServerAliveDetectsBlackhole(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := faults.NewProxy(t, s.Addr())
	args := append([]string{"-F", s.ClientConfig, "-o", "Port=" + fmt.Sprint(p.Port()),
		"-o", "UserKnownHostsFile=" + knownHostsFor(t, s, p.Port())}, aliveOpts...)
	r := startGssh(t, nil, nil, append(args, "sshd", ticker)...)
	r.waitLine(t, "ready")
	r.drain()
	p.Blackhole()
	assertDeclaredDead(t, r, time.Now())
}

// TestServerAliveWithBlockedStdout: gssh's stdout is a pipe nobody reads,
// so its output copy is stuck in write(2) when the server freezes; the
// watchdog must still end the run on time.
func TestServerAliveWithBlockedStdout(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	// A one-page pipe fills within a second of ticking.
	if _, err := unix.FcntlInt(pw.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
		t.Fatal(err)
	}
	size, err := unix.FcntlInt(pw.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 1 KiB every 50ms: the pipe fills quickly, then x/crypto's 2 MiB
	// window takes far longer than the test, so data keeps arriving up to
	// the freeze.
	cmd := "while :; do head -c 1024 /dev/zero; sleep 0.05; done"
	r := startGssh(t, nil, pw, append([]string{"-F", s.ClientConfig}, append(aliveOpts, "sshd", cmd)...)...)
	pw.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := unix.IoctlGetInt(int(pr.Fd()), unix.TIOCINQ)
		if err != nil {
			t.Fatal(err)
		}
		if n >= size {
			break // full: gssh is now blocked writing stdout
		}
		if time.Now().After(deadline) {
			t.Fatalf("stdout pipe holds %d of %d bytes after 20s; stderr %q", n, size, r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A little more output into x/crypto's buffer, so the last inbound
	// byte is recent when the server freezes.
	time.Sleep(200 * time.Millisecond)
	faults.FreezeSessions(t, s)
	assertDeclaredDead(t, r, time.Now())
}

// TestServerAliveKeepsHealthySilentSession: a command silent for several
// intervals is not disconnected, because sshd answers the probes.
func TestServerAliveKeepsHealthySilentSession(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, nil, append([]string{"-F", s.ClientConfig}, append(aliveOpts, "sshd", "sleep 5; echo done")...)...)
	if r.code != 0 || r.stdout != "done\n" {
		t.Fatalf("exit %d stdout %q stderr %q, want 0 and done", r.code, r.stdout, r.stderr)
	}
}

// TestServerAliveZeroDisables: ServerAliveInterval 0 runs no watchdog, so
// a frozen server is not detected by it (the run is ended by --timeout).
func TestServerAliveZeroDisables(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := startGssh(t, nil, nil, "-F", s.ClientConfig, "-o", "ServerAliveInterval=0", "-o", "ServerAliveCountMax=1",
		"--timeout", "3", "--kill-after", "0", "sshd", ticker)
	r.waitLine(t, "ready")
	r.drain()
	faults.FreezeSessions(t, s)
	start := time.Now()
	code, ended := r.wait(t, 15*time.Second)
	t.Logf("exit %d %v after the freeze: %q", code, ended.Sub(start).Round(time.Millisecond), r.stderr.String())
	// --timeout 3, then TERM and KILL go unanswered: up to killWait (1s).
	want := "gssh: timeout after 3s: server did not answer the signal; remote command may still be running\r\n"
	if code != 124 || r.stderr.String() != want {
		t.Fatalf("exit %d stderr %q, want --timeout's 124 and %q", code, r.stderr.String(), want)
	}
}

// TestConnectTimeoutBoundsHandshake: ConnectTimeout 2 against a server
// that never sends its banner and one that goes silent after it.
func TestConnectTimeoutBoundsHandshake(t *testing.T) {
	for _, c := range []struct {
		name, addr, want string
	}{
		{"no banner", faults.NoBanner(t), "Connection timed out during banner exchange"},
		{"banner then silent", faults.BannerThenSilent(t), "timed out"},
	} {
		t.Run(c.name, func(t *testing.T) {
			port := c.addr[strings.LastIndexByte(c.addr, ':')+1:]
			start := time.Now()
			r := gssh(t, nil, "-F", "none", "-o", "ConnectTimeout=2", "-o", "BatchMode=yes",
				"-o", "UserKnownHostsFile=/dev/null", "-p", port, "127.0.0.1", "true")
			took := time.Since(start)
			t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
			if r.code != 255 || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d stderr %q, want 255 and %q", r.code, r.stderr, c.want)
			}
			if !strings.Contains(r.stderr, "Connection to 127.0.0.1 port "+port+" timed out") {
				t.Fatalf("stderr %q lacks OpenSSH's timeout line", r.stderr)
			}
			if took > 2500*time.Millisecond {
				t.Fatalf("took %v, want at most 2.5s", took)
			}
		})
	}
}

// TestHandshakeBoundWithoutConnectTimeout: without ConnectTimeout, reads
// during key exchange wait at most Interval×CountMax, as in OpenSSH.
func TestHandshakeBoundWithoutConnectTimeout(t *testing.T) {
	addr := faults.BannerThenSilent(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	start := time.Now()
	r := gssh(t, nil, append([]string{"-F", "none", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=/dev/null",
		"-p", port}, append(aliveOpts, "127.0.0.1", "true")...)...)
	took := time.Since(start)
	t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
	if r.code != 255 || !strings.Contains(r.stderr, "Connection to 127.0.0.1 port "+port+" timed out") {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if took < 1900*time.Millisecond || took > 3500*time.Millisecond {
		t.Fatalf("took %v, want about 2s (1s × 2)", took)
	}
}
