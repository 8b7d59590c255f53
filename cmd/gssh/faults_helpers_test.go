//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// running is a gssh process started in the background, for tests that
// inject a fault or a signal while it runs.
type running struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader // nil when the test supplied its own stdout
	stderr *testenv.Buffer
	done   chan struct{}
	ended  time.Time // when Wait returned; valid after done
	code   int
}

// startGssh starts gssh with args. With stdout nil, its stdout is a pipe
// the test reads through r.stdout. The process is killed at cleanup if it
// is still running.
func startGssh(t *testing.T, stdin io.Reader, stdout *os.File, args ...string) *running {
	t.Helper()
	r := &running{cmd: exec.Command(gsshBin, args...), stderr: &testenv.Buffer{}, done: make(chan struct{})}
	r.cmd.Stdin = stdin
	r.cmd.Stderr = r.stderr
	if stdout != nil {
		r.cmd.Stdout = stdout
	} else {
		pipe, err := r.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.stdout = bufio.NewReader(pipe)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		r.ended = time.Now()
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			r.code = exitErr.ExitCode()
		case err != nil:
			r.code = -1
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
	return r
}

// waitLine reads stdout until a line equal to want, failing after 20s.
func (r *running) waitLine(t *testing.T, want string) {
	t.Helper()
	got := make(chan error, 1)
	go func() {
		for {
			line, err := r.stdout.ReadString('\n')
			if err != nil {
				got <- err
				return
			}
			if strings.TrimRight(line, "\r\n") == want {
				got <- nil
				return
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("waiting for %q on stdout: %v; stderr %q", want, err, r.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no %q on stdout within 20s; stderr %q", want, r.stderr.String())
	}
}

// drain discards the rest of stdout, so the process never blocks on it.
func (r *running) drain() { go io.Copy(io.Discard, r.stdout) }

// wait waits for the process to exit (at most limit) and returns its
// exit status and when it exited.
func (r *running) wait(t *testing.T, limit time.Duration) (int, time.Time) {
	t.Helper()
	select {
	case <-r.done:
		return r.code, r.ended
	case <-time.After(limit):
		t.Fatalf("gssh still running after %v; stderr %q", limit, r.stderr.String())
	}
	return 0, time.Time{}
}

// remoteProcs lists the processes of the test user started through
// server s (found by its port in SSH_CONNECTION, so orphans reparented
// away from sshd still count) whose command line is cmdline.
func remoteProcs(t *testing.T, s *sshdtest.Server, cmdline string) []int {
	t.Helper()
	u, err := user.Lookup(sshdtest.TestUser)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(cmdline, " ", "\x00") + "\x00"
	port := " " + strconv.Itoa(s.Port)
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		status, _ := os.ReadFile(filepath.Join(dir, "status"))
		if !strings.Contains(string(status), "\nUid:\t"+u.Uid+"\t") {
			continue
		}
		cl, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		if string(cl) != want {
			continue
		}
		env, _ := os.ReadFile(filepath.Join(dir, "environ"))
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, "SSH_CONNECTION=") && strings.HasSuffix(kv, port) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// waitRemoteGone fails unless no matching remote process is left within
// limit; it kills leftovers either way so the test leaves nothing behind.
func waitRemoteGone(t *testing.T, s *sshdtest.Server, cmdline string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		pids := remoteProcs(t, s, cmdline)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				if p, err := os.FindProcess(pid); err == nil {
					p.Kill()
				}
			}
			t.Fatalf("%q still running on the server %v later: pids %v", cmdline, limit, pids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRemoteStarted waits (at most 10s) until a matching remote process
// runs.
func waitRemoteStarted(t *testing.T, s *sshdtest.Server, cmdline string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(remoteProcs(t, s, cmdline)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%q did not start on the server within 10s", cmdline)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// knownHostsFor writes a known_hosts file naming s's host key under
// 127.0.0.1:port, for connections that reach s through a proxy.
func knownHostsFor(t testing.TB, s *sshdtest.Server, port int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	line := fmt.Sprintf("[127.0.0.1]:%d %s", port, bytes.TrimSpace(ssh.MarshalAuthorizedKey(s.HostKey)))
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
