//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestMuxTimeoutThroughGsshMaster: --timeout 2 on a passenger's long
// command, as the non-root user (sshd 9.2 refuses signals for root): the
// gssh master signals the remote command (gssh-signal@gssh), the
// passenger exits 124 within 2.5s with a direct session's line, and the
// command is gone 1s later. The master keeps serving.
func TestMuxTimeoutThroughGsshMaster(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, gsshBin, s, sock, "-l", sshdtest.TestUser)
	start := time.Now()
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "--timeout", "2", "sshd-user", "sleep 30")
	took := time.Since(start)
	t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
	if r.code != 124 || r.stderr != "gssh: timeout after 2s: remote command terminated\r\n" {
		t.Fatalf("exit %d stderr %q, want 124 and the timeout line", r.code, r.stderr)
	}
	if took > 2500*time.Millisecond {
		t.Fatalf("took %v, want at most 2.5s", took)
	}
	waitRemoteGone(t, s, "sleep 30", time.Second)
	if got := checkMaster(t, gsshBin, s.ClientConfig, sock); got != pid {
		t.Fatalf("master pid %d, want %d", got, pid)
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
}

// TestMuxTimeoutKillAfterThroughGsshMaster: a command that ignores TERM
// is killed after --kill-after, through the master.
func TestMuxTimeoutKillAfterThroughGsshMaster(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock, "-l", sshdtest.TestUser)
	start := time.Now()
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "--timeout", "1", "--kill-after", "1", "sshd-user",
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

// TestMuxInterruptThroughGsshMaster: SIGINT or SIGTERM to a passenger is
// passed on to the remote command through the master, as a direct
// session forwards it; the passenger exits 255.
func TestMuxInterruptThroughGsshMaster(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock, "-l", sshdtest.TestUser)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			r := startGssh(t, nil, nil, "-F", s.ClientConfig, "-S", sock, "sshd-user", "echo ready; sleep 30")
			r.waitLine(t, "ready")
			r.drain()
			waitRemoteStarted(t, s, "sleep 30")
			r.cmd.Process.Signal(sig)
			if code, _ := r.wait(t, 2*time.Second); code != 255 {
				t.Fatalf("exit %d after %v, want 255; stderr %q", code, sig, r.stderr.String())
			}
			waitRemoteGone(t, s, "sleep 30", time.Second)
		})
	}
}

// TestMuxTimeoutThroughOpenSSHMaster: an OpenSSH master cannot signal
// the command, so the passenger closes its control connection: it still
// exits 124 on time, says that the command may still be running, and,
// without a pty, sshd indeed leaves the command running (the weaker
// guarantee docs/multiplexing.md describes), and the master holds the
// passenger's descriptors until it ends. With a pty, sshd hangs up the
// command.
func TestMuxTimeoutThroughOpenSSHMaster(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, sshBin, s, sock, "-l", sshdtest.TestUser)
	for _, tc := range []struct {
		name  string
		extra []string
	}{{"plain", nil}, {"pty", []string{"-tt"}}} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"-F", s.ClientConfig, "-S", sock, "--timeout", "2"}, tc.extra...), "sshd-user", "sleep 30")
			// stdout and stderr are files: the OpenSSH master holds the
			// passed descriptors until the command ends, so pipes would
			// report EOF only then.
			dir := t.TempDir()
			out, err := os.Create(filepath.Join(dir, "stdout"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			errf, err := os.Create(filepath.Join(dir, "stderr"))
			if err != nil {
				t.Fatal(err)
			}
			defer errf.Close()
			cmd := exec.Command(gsshBin, args...)
			cmd.Stdout, cmd.Stderr = out, errf
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatal("gssh still running after 5s")
			}
			took := time.Since(start)
			code := cmd.ProcessState.ExitCode()
			stderr := readFile(t, errf.Name())
			t.Logf("exit %d after %v: %q", code, took.Round(time.Millisecond), stderr)
			want := "gssh: timeout after 2s: control master cannot signal the remote command; it may still be running\r\n"
			if tc.extra != nil {
				want = "Shared connection to 127.0.0.1 closed.\r\n" + want
			}
			if code != 124 || stderr != want {
				t.Fatalf("exit %d stderr %q, want 124 and %q", code, stderr, want)
			}
			// Generous: the property is "ends at the timeout, not with
			// the command"; a loaded machine adds start-up time.
			if took > 3500*time.Millisecond {
				t.Fatalf("took %v, want at most 3.5s", took)
			}
			if tc.extra != nil {
				// sshd hangs up the pty's command once the master
				// closes the session.
				waitRemoteGone(t, s, "sleep 30", 5*time.Second)
				return
			}
			for _, pid := range remoteProcs(t, s, "sleep 30") {
				if p, err := os.FindProcess(pid); err == nil {
					p.Kill()
				}
			}
		})
	}
}
