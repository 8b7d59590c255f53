//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestTimeoutStopsRemoteCommand: --timeout 2 on a long command as the
// non-root user (sshd 9.2 refuses signals for root) exits 124 within 2.5s
// with one line, and the remote process group is gone 1s later: plain,
// with a pty, and through a shell running two commands in sequence.
func TestTimeoutStopsRemoteCommand(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, c := range []struct {
		name  string
		extra []string
		cmd   string
	}{
		{"plain", nil, "sleep 30"},
		{"pty", []string{"-tt"}, "sleep 30"},
		{"pipeline", nil, "sh -c 'sleep 30; sleep 30'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"-F", s.ClientConfig, "--timeout", "2"}, c.extra...), "sshd-user", c.cmd)
			start := time.Now()
			r := gssh(t, nil, args...)
			took := time.Since(start)
			t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
			if r.code != 124 {
				t.Fatalf("exit %d, want 124; stderr %q", r.code, r.stderr)
			}
			if r.stderr != "gssh: timeout after 2s: remote command terminated\r\n" {
				t.Fatalf("stderr %q", r.stderr)
			}
			if took > 2500*time.Millisecond {
				t.Fatalf("took %v, want at most 2.5s", took)
			}
			waitRemoteGone(t, s, "sleep 30", time.Second)
		})
	}
}

// TestTimeoutBeforeBanner: --timeout covers the connection phase too.
func TestTimeoutBeforeBanner(t *testing.T) {
	addr := faults.NoBanner(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	start := time.Now()
	r := gssh(t, nil, "-F", "none", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=/dev/null",
		"--timeout", "1", "-p", port, "127.0.0.1", "true")
	took := time.Since(start)
	t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
	if r.code != 124 || took > 1500*time.Millisecond {
		t.Fatalf("exit %d after %v, want 124 within 1.5s; stderr %q", r.code, took, r.stderr)
	}
	want := "gssh: timeout after 1s: connection to 127.0.0.1 port " + port + " not established\r\n"
	if r.stderr != want {
		t.Fatalf("stderr %q, want %q", r.stderr, want)
	}
}

// TestTimeoutBoundsScriptOnStdin: the `bash -s` idiom that runs a local
// script remotely is bounded the same way.
func TestTimeoutBoundsScriptOnStdin(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	script := filepath.Join(t.TempDir(), "script.sh")
	writeFile(t, script, "echo started\nsleep 30\necho never\n")
	f, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	r := gssh(t, f, "-F", s.ClientConfig, "--timeout", "5", "sshd-user", "bash -s")
	took := time.Since(start)
	t.Logf("exit %d after %v", r.code, took.Round(time.Millisecond))
	if r.code != 124 || r.stdout != "started\n" || took > 5500*time.Millisecond {
		t.Fatalf("exit %d stdout %q after %v, want 124, started, within 5.5s; stderr %q", r.code, r.stdout, took, r.stderr)
	}
	waitRemoteGone(t, s, "sleep 30", time.Second)
}

// TestTimeoutRefusedSignalIsReported: sshd 9.2 refuses signals for root
// logins; gssh says the command may still be running.
func TestTimeoutRefusedSignalIsReported(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, nil, "-F", s.ClientConfig, "--timeout", "1", "sshd", "sleep 3")
	if r.code != 124 || r.stderr != "gssh: timeout after 1s: server refused the signal; remote command may still be running\r\n" {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
}

// TestTimeoutKillAfter: a command that ignores TERM is killed after
// --kill-after.
func TestTimeoutKillAfter(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	start := time.Now()
	r := gssh(t, nil, "-F", s.ClientConfig, "--timeout", "1", "--kill-after", "1", "sshd-user",
		"trap '' TERM; sleep 31; sleep 31")
	took := time.Since(start)
	t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
	if r.code != 124 || r.stderr != "gssh: timeout after 1s: remote command terminated\r\n" {
		t.Fatalf("exit %d stderr %q", r.code, r.stderr)
	}
	if took < 1900*time.Millisecond || took > 3500*time.Millisecond {
		t.Fatalf("took %v, want about 2s (timeout 1s + kill-after 1s)", took)
	}
	waitRemoteGone(t, s, "sleep 31", time.Second)
}

// TestLocalSignalStopsRemoteCommand: SIGTERM, SIGINT or SIGHUP to gssh is
// passed on to the remote command before gssh exits 255.
func TestLocalSignalStopsRemoteCommand(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			r := startGssh(t, nil, nil, "-F", s.ClientConfig, "sshd-user", "echo ready; sleep 30")
			r.waitLine(t, "ready")
			r.drain()
			// Signal only once sleep runs: a shell hit between its
			// commands would die of the signal itself, which proves
			// nothing about gssh.
			waitRemoteStarted(t, s, "sleep 30")
			r.cmd.Process.Signal(sig)
			code, _ := r.wait(t, 5*time.Second)
			if code != 255 {
				t.Fatalf("exit %d, want 255; stderr %q", code, r.stderr.String())
			}
			waitRemoteGone(t, s, "sleep 30", time.Second)
		})
	}
}

// TestIdleTimeout: --idle-timeout 1 ends a silent command after about 1s
// with its own message and 255, and leaves a chatty one alone.
func TestIdleTimeout(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	t.Run("silent", func(t *testing.T) {
		start := time.Now()
		r := gssh(t, nil, "-F", s.ClientConfig, "--idle-timeout", "1", "sshd-user", "sleep 5")
		took := time.Since(start)
		t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
		if r.code != 255 || r.stderr != "gssh: idle timeout after 1s: no data in either direction\r\n" {
			t.Fatalf("exit %d stderr %q", r.code, r.stderr)
		}
		if took < time.Second || took > 2500*time.Millisecond {
			t.Fatalf("took %v, want about 1s", took)
		}
		waitRemoteGone(t, s, "sleep 5", time.Second)
	})
	t.Run("chatty", func(t *testing.T) {
		r := gssh(t, nil, "-F", s.ClientConfig, "--idle-timeout", "1", "-o", "ServerAliveInterval=1",
			"sshd-user", "for i in $(seq 15); do echo $i; sleep 0.2; done")
		if r.code != 0 || strings.Count(r.stdout, "\n") != 15 {
			t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("keepalives do not count", func(t *testing.T) {
		// Probes every second and their replies move bytes on the
		// connection, but no session data.
		r := gssh(t, nil, "-F", s.ClientConfig, "--idle-timeout", "2", "-o", "ServerAliveInterval=1",
			"sshd-user", "sleep 4")
		if r.code != 255 || !strings.Contains(r.stderr, "idle timeout") {
			t.Fatalf("exit %d stderr %q", r.code, r.stderr)
		}
	})
}

// TestBadTimeoutValues: exit 255 before connecting, with exactly one line
// naming the bad value, as ssh reports a bad -p or a bad ssh_config value.
func TestBadTimeoutValues(t *testing.T) {
	for _, c := range []struct {
		args  []string
		first string
		usage bool
	}{
		{[]string{"--timeout", "-3", "x", "true"}, `gssh: --timeout: invalid duration "-3"`, false},
		{[]string{"--timeout", "abc", "x", "true"}, `gssh: --timeout: invalid duration "abc"`, false},
		{[]string{"--idle-timeout", "1x", "x", "true"}, `gssh: --idle-timeout: invalid duration "1x"`, false},
		{[]string{"--kill-after", "-1s", "x", "true"}, `gssh: --kill-after: invalid duration "-1s": must not be negative`, false},
		{[]string{"-F", "none", "-o", "ServerAliveInterval=x", "x", "true"}, "command-line line 0: invalid time value.", false},
		{[]string{"-F", "none", "-o", "ServerAliveCountMax=x", "x", "true"}, "command-line line 0:", false},
		{[]string{"-F", "none", "-o", "ConnectTimeout=x", "x", "true"}, "command-line line 0: invalid time value.", false},
	} {
		r := gssh(t, nil, c.args...)
		assertNoPanic(t, r)
		first, rest, _ := strings.Cut(r.stderr, "\n")
		if r.code != 255 || !strings.HasPrefix(first, c.first) {
			t.Errorf("%q: exit %d stderr %q, want 255 and a first line starting %q", c.args, r.code, r.stderr, c.first)
		}
		if c.usage != strings.HasPrefix(rest, "usage: ") {
			t.Errorf("%q: after the first line %q, usage text wanted: %v", c.args, rest, c.usage)
		}
	}
}
