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
	start := time.Now()
	r = gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "echo direct")
	took := time.Since(start)
	t.Logf("exit %d after %v: stderr %q", r.code, took.Round(time.Millisecond), r.stderr)
	if r.code != 0 || r.stdout != "direct\n" || r.stderr != "" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	if took > 2*time.Second {
		t.Fatalf("took %v, want at most 2s", took)
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
