//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// fgMaster is a master run in the foreground by the test, as
// `prog -M -S sock [-N] sshd [command] &` in a shell.
type fgMaster struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	ended          time.Time
	code           int
}

// startFgMaster starts prog as a foreground master with args before the
// destination and waits until it answers -O check.
func startFgMaster(t *testing.T, prog string, s *sshdtest.Server, sock string, args ...string) *fgMaster {
	t.Helper()
	m := &fgMaster{done: make(chan struct{})}
	all := append([]string{"-F", s.ClientConfig, "-M", "-S", sock}, args...)
	m.cmd = exec.Command(prog, all...)
	m.cmd.Stdout, m.cmd.Stderr = &m.stdout, &m.stderr
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := m.cmd.Wait()
		m.ended = time.Now()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			m.code = exitErr.ExitCode()
		}
		close(m.done)
	}()
	t.Cleanup(func() {
		m.cmd.Process.Kill()
		<-m.done
	})
	if !eventually(10*time.Second, func() bool {
		return exec.Command(prog, "-F", s.ClientConfig, "-S", sock, "-O", "check", "sshd").Run() == nil
	}) {
		t.Fatalf("%s master %q does not answer -O check", prog, all)
	}
	return m
}

// inFlight is a passenger session that has printed its first line.
type inFlight struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr bytes.Buffer
	done   chan struct{}
	ended  time.Time
	code   int
	rest   string
}

// startInFlight runs prog through the master at sock with a command that
// prints "started" first, and returns once that line arrived: the session
// is open at the server.
func startInFlight(t *testing.T, prog string, s *sshdtest.Server, sock, command string) *inFlight {
	t.Helper()
	p := &inFlight{done: make(chan struct{})}
	p.cmd = exec.Command(prog, "-F", s.ClientConfig, "-S", sock, "sshd", "echo started; "+command)
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	p.stdout = bufio.NewReader(out)
	line, err := p.stdout.ReadString('\n')
	if line != "started\n" {
		p.cmd.Process.Kill()
		t.Fatalf("%s passenger: first line %q, %v; stderr %q", prog, line, err, p.stderr.String())
	}
	go func() {
		var rest strings.Builder
		p.stdout.WriteTo(&rest)
		err := p.cmd.Wait()
		p.ended = time.Now()
		p.rest = rest.String()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			p.code = exitErr.ExitCode()
		}
		close(p.done)
	}()
	return p
}

// waitFor waits for done up to limit.
func waitFor(done <-chan struct{}, limit time.Duration) bool {
	select {
	case <-done:
		return true
	case <-time.After(limit):
		return false
	}
}

// muxPairs are the master and passenger programs of the stop and exit
// tests: OpenSSH alone (the reference), gssh alone, and each mixed pair.
// The -O command is sent by the passenger's program.
var muxPairs = []struct{ master, passenger string }{
	{sshBin, sshBin}, {"gssh", "gssh"}, {sshBin, "gssh"}, {"gssh", sshBin},
}

// masterKinds are the masters of the stop and exit tests: one with -N,
// and one running a session of its own that outlasts the passenger's.
var masterKinds = []struct {
	name string
	args []string
	own  string // what the master's own session prints
}{
	{"N", []string{"-Nn", "sshd"}, ""},
	{"own-session", []string{"-n", "sshd", "sleep 5; echo own"}, "own\n"},
}

func progPath(name string) string {
	if name == "gssh" {
		return gsshBin
	}
	return name
}

// TestMuxStopWithSessionInFlight: `-O stop` to a -N master while a
// passenger's `sleep 3` runs: the socket goes at once, the session
// finishes with status 0, and the master exits within a second after it
// (mux_master_process_stop_listening, then clientloop.c's loop ends when
// no channel is left), for every pairing of ssh and gssh.
func TestMuxStopWithSessionInFlight(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, kind := range masterKinds {
		var ref *fgMaster
		for _, pair := range muxPairs {
			t.Run(kind.name+"/"+filepath.Base(pair.master)+"-master-"+filepath.Base(pair.passenger)+"-passenger", func(t *testing.T) {
				master, passenger := progPath(pair.master), progPath(pair.passenger)
				sock := filepath.Join(muxDir(t), "ctl")
				m := startFgMaster(t, master, s, sock, kind.args...)
				p := startInFlight(t, passenger, s, sock, "sleep 3; echo done")
				r := runClient(t, passenger, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "stop", "sshd")
				if r.code != 0 || r.stderr != "Stop listening request sent.\r\n" {
					t.Fatalf("-O stop: exit %d, stderr %q", r.code, r.stderr)
				}
				if !eventually(time.Second, func() bool { _, err := os.Stat(sock); return os.IsNotExist(err) }) {
					t.Errorf("control socket still there a second after -O stop")
				}
				if !waitFor(p.done, 10*time.Second) {
					t.Fatalf("passenger did not finish")
				}
				if p.code != 0 || p.rest != "done\n" || p.stderr.String() != "" {
					t.Errorf("passenger: exit %d, stdout after start %q, stderr %q", p.code, p.rest, p.stderr.String())
				}
				if !waitFor(m.done, 5*time.Second) {
					t.Fatalf("master still running 5s after its last session ended")
				}
				if kind.own != "" && (m.code != 0 || m.stdout.String() != kind.own) {
					t.Errorf("master with its own session: exit %d, stdout %q; want 0, %q", m.code, m.stdout.String(), kind.own)
				}
				if took := m.ended.Sub(p.ended); kind.own == "" && took > time.Second {
					t.Errorf("master exited %v after the last session, want within 1s", took)
				}
				t.Logf("master exit %d %v after the session; stderr %q", m.code, m.ended.Sub(p.ended), m.stderr.String())
				if pair.master == sshBin && pair.passenger == sshBin {
					ref = m
					return
				}
				if ref != nil && pair.master == "gssh" && (m.code != ref.code || m.stderr.String() != ref.stderr.String()) {
					t.Errorf("gssh master: exit %d, stderr %q; ssh master: exit %d, stderr %q", m.code, m.stderr.String(), ref.code, ref.stderr.String())
				}
			})
		}
	}
}

// TestMuxExitWithSessionInFlight: `-O exit` ends the sessions at once:
// the passenger exits as ssh's does, and the master with them.
func TestMuxExitWithSessionInFlight(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	type outcome struct {
		code           int
		stderr, master string
		mcode          int
	}
	for _, kind := range masterKinds {
		var ref *outcome
		for _, pair := range muxPairs {
			t.Run(kind.name+"/"+filepath.Base(pair.master)+"-master-"+filepath.Base(pair.passenger)+"-passenger", func(t *testing.T) {
				master, passenger := progPath(pair.master), progPath(pair.passenger)
				sock := filepath.Join(muxDir(t), "ctl")
				m := startFgMaster(t, master, s, sock, kind.args...)
				p := startInFlight(t, passenger, s, sock, "sleep 30; echo done")
				start := time.Now()
				r := runClient(t, passenger, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "exit", "sshd")
				if r.code != 0 || r.stderr != "Exit request sent.\r\n" {
					t.Fatalf("-O exit: exit %d, stderr %q", r.code, r.stderr)
				}
				if !waitFor(p.done, 5*time.Second) {
					t.Fatalf("passenger still running 5s after -O exit")
				}
				if !waitFor(m.done, 5*time.Second) {
					t.Fatalf("master still running 5s after -O exit")
				}
				got := outcome{p.code, p.stderr.String(), m.stderr.String(), m.code}
				t.Logf("after %v: passenger exit %d stderr %q; master exit %d stdout %q stderr %q", time.Since(start), got.code, got.stderr, got.mcode, m.stdout.String(), got.master)
				if p.rest != "" {
					t.Errorf("passenger printed %q after -O exit", p.rest)
				}
				if _, err := os.Stat(sock); !os.IsNotExist(err) {
					t.Errorf("control socket left behind: %v", err)
				}
				if pair.master == sshBin && pair.passenger == sshBin {
					ref = &got
					return
				}
				if ref == nil {
					return
				}
				if got.code != ref.code || got.stderr != ref.stderr {
					t.Errorf("passenger: exit %d stderr %q; with OpenSSH alone: exit %d stderr %q", got.code, got.stderr, ref.code, ref.stderr)
				}
				if pair.master == "gssh" && (got.mcode != ref.mcode || got.master != ref.master) {
					t.Errorf("gssh master: exit %d stderr %q; ssh master: exit %d stderr %q", got.mcode, got.master, ref.mcode, ref.master)
				}
			})
		}
	}
}

// TestMuxStopBackgroundMaster: a background master (-fN) stopped with a
// session in flight exits once the session has ended, as ssh's does.
func TestMuxStopBackgroundMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, prog := range []string{sshBin, "gssh"} {
		t.Run(prog, func(t *testing.T) {
			sock := filepath.Join(muxDir(t), "ctl")
			pid := startMasterWith(t, progPath(prog), s, sock)
			p := startInFlight(t, progPath(prog), s, sock, "sleep 2; echo done")
			r := runClient(t, progPath(prog), nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "stop", "sshd")
			if r.code != 0 || r.stderr != "Stop listening request sent.\r\n" {
				t.Fatalf("-O stop: exit %d, stderr %q", r.code, r.stderr)
			}
			if !waitFor(p.done, 10*time.Second) {
				t.Fatalf("passenger did not finish")
			}
			if p.code != 0 || p.rest != "done\n" {
				t.Errorf("passenger: exit %d, stdout after start %q, stderr %q", p.code, p.rest, p.stderr.String())
			}
			if !alive(t, pid) {
				t.Logf("master %d gone when the passenger exited", pid)
			}
			if !eventually(time.Second, func() bool { return !alive(t, pid) }) {
				t.Errorf("master %d still running a second after its last session ended", pid)
			}
		})
	}
}
