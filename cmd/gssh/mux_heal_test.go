//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/controlmaster"
	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxSelfHealingBlackholedMaster: a gssh master whose connection to
// sshd runs through a proxy that then blackholes it (a laptop after
// sleep: the master's socket answers, its SSH connection never will).
// The next call has the master check its upstream with the session's
// channel open (gssh-session-check@gssh); the master finds its server
// silent for its whole budget, retires, and the call connects directly
// instead of hanging; the dead master exits and its socket is gone.
//
// The budget: on loopback every round trip the master measured is far
// below BudgetFloor/budgetFactor (500 ms), so it is BudgetFloor, 2 s.
// The master may not retire before it; gssh's part after it, connecting
// directly up to sshd starting the command, takes a fraction of a
// second, given healHeadroom (2 s) for a loaded machine.
func TestMuxSelfHealingBlackholedMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := faults.NewProxy(t, s.Addr())
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, gsshBin, s, sock, "-o", fmt.Sprintf("Port=%d", p.Port()),
		"-o", "UserKnownHostsFile="+knownHostsFor(t, s, p.Port()))

	// While the upstream answers, the master is reused.
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo shared")
	if r.code != 0 || r.stdout != "shared\n" {
		t.Fatalf("through the master: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := logins(t, s); n != 1 {
		t.Fatalf("sshd accepted %d logins, want 1 (the master's)", n)
	}

	p.Blackhole()
	// What is timed is gssh's part: the master's budget, then connecting
	// directly, up to sshd starting the command. The remote login
	// shell's own start-up (its rc files) is not gssh's and can take
	// seconds on a loaded machine, so the clock stops when sshd logs the
	// direct session's command.
	start := time.Now()
	started := watchSessionStarts(s, 2, start)
	r = gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo direct")
	took, ok := started()
	t.Logf("exit %d after %v, command started after %v: stderr %q", r.code, time.Since(start).Round(time.Millisecond), took.Round(time.Millisecond), r.stderr)
	if r.code != 0 || r.stdout != "direct\n" || r.stderr != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if !ok {
		t.Fatalf("sshd never logged the direct session's command")
	}
	if took < controlmaster.BudgetFloor || took > controlmaster.BudgetFloor+healHeadroom {
		t.Fatalf("the direct session's command started after %v, want the master's budget %v and at most %v more", took, controlmaster.BudgetFloor, healHeadroom)
	}
	if n := logins(t, s); n != 2 {
		t.Errorf("sshd accepted %d logins, want 2 (master, then the direct call)", n)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the dead master's socket is still there: %v", err)
	}
	if !eventually(3*time.Second, func() bool { return !alive(t, pid) }) {
		t.Errorf("dead master %d still running", pid)
	}
}

// healHeadroom is what a self-healing test allows on top of the master's
// budget: connecting directly on loopback, on a loaded machine.
const healHeadroom = 2 * time.Second

// TestMuxSelfHealingSlowLink: a master on a slow link is kept. With 0,
// 200 and 450 ms of delay each way between the master and sshd, two
// calls in a row go through the master, which sshd sees as one login:
// the master judges its connection by its own round trips (a second at
// 450 ms, against an 800 ms bound before), and the passenger waits for
// that verdict, saying so at -v when it is slow.
func TestMuxSelfHealingSlowLink(t *testing.T) {
	for _, delay := range []time.Duration{0, 200 * time.Millisecond, 450 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			p := faults.NewProxy(t, s.Addr())
			known := knownHostsFor(t, s, p.Port())
			p.Delay(delay)
			sock := filepath.Join(muxDir(t), "ctl")
			pid := startMasterWith(t, gsshBin, s, sock, "-o", fmt.Sprintf("Port=%d", p.Port()), "-o", "UserKnownHostsFile="+known)
			for i := 1; i <= 2; i++ {
				start := time.Now()
				r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-v", "sshd", fmt.Sprintf("echo call %d", i))
				t.Logf("call %d: exit %d after %v", i, r.code, time.Since(start).Round(time.Millisecond))
				if r.code != 0 || r.stdout != fmt.Sprintf("call %d\n", i) {
					t.Fatalf("call %d: exit %d stdout %q stderr:\n%s", i, r.code, r.stdout, r.stderr)
				}
				if strings.Contains(r.stderr, "not responding") || strings.Contains(r.stderr, "Connecting to") {
					t.Errorf("call %d did not go through the master:\n%s", i, r.stderr)
				}
				// A round trip takes at least twice the delay, more than
				// controlmaster.SlowNotice from 450 ms on.
				if notice := "is slow to answer; waiting for it"; 2*delay > controlmaster.SlowNotice && !strings.Contains(r.stderr, notice) {
					t.Errorf("call %d: -v does not say %q:\n%s", i, notice, r.stderr)
				}
			}
			if n := logins(t, s); n != 1 {
				t.Errorf("sshd accepted %d logins, want 1 (the master's)", n)
			}
			if got := checkMaster(t, gsshBin, s.ClientConfig, sock); got != pid {
				t.Errorf("-O check reports pid %d, want the master %d", got, pid)
			}
		})
	}
}

// TestMuxSelfHealingPassengerBound: a passenger facing a master that has
// not given its verdict yet (here: blackholed, within its 2 s budget)
// stops waiting at ConnectTimeout (exit 255) or --timeout (exit 124,
// "session not started"), and leaves the master alone: its own clock
// running out is no evidence that the master's connection is dead, and
// connecting directly could run the command twice.
func TestMuxSelfHealingPassengerBound(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := faults.NewProxy(t, s.Addr())
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, gsshBin, s, sock, "-o", fmt.Sprintf("Port=%d", p.Port()),
		"-o", "UserKnownHostsFile="+knownHostsFor(t, s, p.Port()))
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "true")
	if r.code != 0 {
		t.Fatalf("through the master: exit %d stderr %q", r.code, r.stderr)
	}
	p.Blackhole()
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"-o", "ConnectTimeout=1"}, 255, "Control master's connection to 127.0.0.1 did not answer within ConnectTimeout (1s)\r\n"},
		{[]string{"--timeout", "1"}, exitTimeout, "gssh: timeout after 1s: session not started\r\n"},
	} {
		start := time.Now()
		r := gssh(t, nil, append(append([]string{"-F", s.ClientConfig, "-S", sock}, tc.args...), "sshd", "echo ran")...)
		took := time.Since(start)
		t.Logf("%q: exit %d after %v", tc.args, r.code, took.Round(time.Millisecond))
		if r.code != tc.code || r.stderr != tc.stderr || r.stdout != "" {
			t.Errorf("%q: exit %d stdout %q stderr %q, want exit %d stderr %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stderr)
		}
		if took > time.Second+healHeadroom {
			t.Errorf("%q: exit after %v, want about 1s (tolerance %v)", tc.args, took, healHeadroom)
		}
		if _, err := os.Lstat(sock); err != nil {
			t.Errorf("%q: the master's socket is gone: %v", tc.args, err)
		}
		if !alive(t, pid) {
			t.Errorf("%q: the master %d is gone", tc.args, pid)
		}
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1 (the master's)", n)
	}
}

// TestMuxSelfHealingVerbose: -v says why the master was not used.
func TestMuxSelfHealingVerbose(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := faults.NewProxy(t, s.Addr())
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock, "-o", fmt.Sprintf("Port=%d", p.Port()),
		"-o", "UserKnownHostsFile="+knownHostsFor(t, s, p.Port()))
	p.Blackhole()
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-v", "sshd", "true")
	want := "Control master's connection to 127.0.0.1 is not responding"
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
	}
}

// watchSessionStarts watches s's log from now on for the n-th "Starting
// session" line, which sshd writes when it starts a session's command,
// before the user's shell runs. The returned func stops watching and
// reports how long after since the line appeared, and whether it did.
func watchSessionStarts(s *sshdtest.Server, n int, since time.Time) func() (time.Duration, bool) {
	stop := make(chan struct{})
	done := make(chan time.Duration, 1)
	go func() {
		defer close(done)
		for delay := time.Millisecond; ; delay = min(2*delay, 10*time.Millisecond) {
			if b, err := os.ReadFile(s.LogFile); err == nil && strings.Count(string(b), "Starting session: ") >= n {
				done <- time.Since(since)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(delay):
			}
		}
	}()
	return func() (time.Duration, bool) {
		// The line is written before the command runs, so by the time
		// the client has its output it is there: one more look decides.
		select {
		case d, ok := <-done:
			return d, ok
		case <-time.After(time.Second):
		}
		close(stop)
		d, ok := <-done
		return d, ok
	}
}
