//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxSelfHealingBlackholedMaster: a gssh master whose connection to
// sshd runs through a proxy that then blackholes it (a laptop after
// sleep: the master's socket answers, its SSH connection never will).
// The next call asks the master to check its upstream
// (gssh-upstream-check@gssh), finds it dead, retires the master and
// connects directly within 2s instead of hanging; the dead master exits
// and its socket is gone.
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
	// What must take at most 2s is gssh's part: giving up on the master
	// and connecting directly, up to sshd starting the command. The
	// remote login shell's own start-up (its rc files) is not gssh's
	// and can take seconds on a loaded machine, so the clock stops when
	// sshd logs the direct session's command.
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
	if took > 2*time.Second {
		t.Fatalf("the direct session's command started after %v, want at most 2s", took)
	}
	if n := logins(t, s); n != 2 {
		t.Errorf("sshd accepted %d logins, want 2 (master, then the direct call)", n)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the dead master's socket is still there: %v", err)
	}
	if !eventually(3*time.Second, func() bool { return !alive(pid) }) {
		t.Errorf("dead master %d still running", pid)
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
