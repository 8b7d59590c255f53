//go:build linux

package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// greeter listens on loopback and writes text to every connection.
func greeter(t *testing.T, text string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, text)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// unusedPort returns a loopback port nobody listens on right now.
func unusedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fetchPort reads everything port serves, or returns the dial error.
func fetchPort(port int) (string, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	return string(b), err
}

// TestMuxForwardThroughGsshMaster: -O forward and -O cancel, from
// OpenSSH's ssh and from gssh, open and close forwardings in a gssh
// master (MUX_C_OPEN_FWD, MUX_C_CLOSE_FWD), and data flows through them:
// -L both ways, and -R with port 0, whose allocated port -O forward
// prints.
func TestMuxForwardThroughGsshMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock)
	target := greeter(t, "hello from the target\n")

	for _, prog := range []string{sshBin, gsshBin} {
		t.Run("-L/"+filepath.Base(prog), func(t *testing.T) {
			port := unusedPort(t)
			spec := "-L" + strconv.Itoa(port) + ":127.0.0.1:" + strconv.Itoa(target)
			r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "forward", spec, "sshd")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("-O forward: exit %d stderr %q", r.code, r.stderr)
			}
			if got, err := fetchPort(port); err != nil || got != "hello from the target\n" {
				t.Fatalf("through the forward: %q, %v", got, err)
			}
			r = runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "cancel", spec, "sshd")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("-O cancel: exit %d stderr %q", r.code, r.stderr)
			}
			if !eventually(2*time.Second, func() bool { _, err := fetchPort(port); return err != nil }) {
				t.Fatalf("port %d still forwarded after -O cancel", port)
			}
		})
	}

	t.Run("-R 0", func(t *testing.T) {
		r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-O", "forward", "-R", "0:127.0.0.1:"+strconv.Itoa(target), "sshd")
		port, err := strconv.Atoi(strings.TrimSpace(r.stdout))
		if r.code != 0 || err != nil {
			t.Fatalf("-O forward -R 0: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
		// sshd listens on the server's loopback, which is this machine's.
		if got, err := fetchPort(port); err != nil || got != "hello from the target\n" {
			t.Fatalf("through the remote forward on port %d: %q, %v", port, got, err)
		}
	})

	t.Run("cancel unknown", func(t *testing.T) {
		want := runClient(t, sshBin, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "cancel", "-L", "1:127.0.0.1:1", "sshd")
		got := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-O", "cancel", "-L", "1:127.0.0.1:1", "sshd")
		t.Logf("ssh: exit %d %q; gssh: exit %d %q", want.code, want.stderr, got.code, got.stderr)
		if !strings.Contains(want.stderr, "port not found") {
			t.Errorf("ssh's message lacks the master's reason: %q", want.stderr)
		}
		if got.code != want.code || got.stderr != want.stderr {
			t.Errorf("gssh differs from ssh")
		}
	})
}

// TestMuxForwardThroughForegroundMaster: a gssh -M with a session of its
// own takes -O forward on the connection its forwardings run on.
func TestMuxForwardThroughForegroundMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	target := greeter(t, "hello again\n")
	m := startGssh(t, nil, nil, "-F", s.ClientConfig, "-M", "-S", sock, "sshd", "echo ready; sleep 30")
	m.waitLine(t, "ready")
	m.drain()
	port := unusedPort(t)
	spec := "-L" + strconv.Itoa(port) + ":127.0.0.1:" + strconv.Itoa(target)
	r := runClient(t, sshBin, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "forward", spec, "sshd")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("-O forward: exit %d stderr %q", r.code, r.stderr)
	}
	if got, err := fetchPort(port); err != nil || got != "hello again\n" {
		t.Fatalf("through the forward: %q, %v", got, err)
	}
	r = gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-O", "exit", "sshd")
	if r.code != 0 {
		t.Fatalf("-O exit: exit %d stderr %q", r.code, r.stderr)
	}
	m.wait(t, 5*time.Second)
}

// busyPort returns a port that a listener on every address holds until
// the test ends, so that binding it on loopback fails, for the local
// forwards of a client and for sshd's listeners of -R alike.
func busyPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

var allocatedLine = regexp.MustCompile(`^Allocated port (\d+) for remote forward to 127\.0\.0\.1:(\d+)\r\n$`)

// TestMuxPassengerForwards: a passenger's own -L and -R go to the master
// as MUX_C_OPEN_FWD before its session (mux.c muxclient,
// mux_client_forwards), through a gssh master and through OpenSSH's. The
// forwardings then belong to the master and outlive the passenger, as in
// ssh; the same forwarding asked for again is accepted (mux.c
// mux_master_process_open_fwd "found existing forwarding", with the port
// allocated the first time for -R 0); and the messages, the fallback to
// a direct connection when a forwarding fails, and ExitOnForwardFailure
// there, are ssh's byte for byte.
func TestMuxPassengerForwards(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, master := range []string{gsshBin, sshBin} {
		t.Run("master "+filepath.Base(master), func(t *testing.T) {
			sock := filepath.Join(muxDir(t), "ctl")
			pid := startMasterWith(t, master, s, sock)
			target := greeter(t, "through the master\n")
			to := "127.0.0.1:" + strconv.Itoa(target)
			base := []string{"-F", s.ClientConfig, "-S", sock}
			run := func(prog string, args ...string) result {
				return runClient(t, prog, nil, nil, append(append(append([]string(nil), base...), args...), "sshd", "echo ok")...)
			}
			before := logins(t, s)

			t.Run("-L", func(t *testing.T) {
				port := unusedPort(t)
				spec := "-L" + strconv.Itoa(port) + ":" + to
				if r := run(gsshBin, spec); r.code != 0 || r.stdout != "ok\n" || r.stderr != "" {
					t.Fatalf("gssh %s: exit %d stdout %q stderr %q", spec, r.code, r.stdout, r.stderr)
				}
				if got, err := fetchPort(port); err != nil || got != "through the master\n" {
					t.Fatalf("through the passenger's forward: %q, %v", got, err)
				}
				// Asked again, by gssh and by ssh: the master already
				// holds it and says OK rather than failing to bind.
				for _, prog := range []string{gsshBin, sshBin} {
					if r := run(prog, spec); r.code != 0 || r.stdout != "ok\n" || r.stderr != "" {
						t.Fatalf("%s %s again: exit %d stdout %q stderr %q", filepath.Base(prog), spec, r.code, r.stdout, r.stderr)
					}
				}
				// -O forward too ("Forwarding already exists" is not
				// what mux.c answers: it says OK).
				for _, prog := range []string{gsshBin, sshBin} {
					r := runClient(t, prog, nil, nil, append(append([]string(nil), base...), "-O", "forward", spec, "sshd")...)
					if r.code != 0 || r.stdout != "" || r.stderr != "" {
						t.Fatalf("%s -O forward %s again: exit %d stdout %q stderr %q", filepath.Base(prog), spec, r.code, r.stdout, r.stderr)
					}
				}
				if got, err := fetchPort(port); err != nil || got != "through the master\n" {
					t.Fatalf("after the duplicates: %q, %v", got, err)
				}
			})

			t.Run("-R 0", func(t *testing.T) {
				spec := []string{"-o", "LogLevel=VERBOSE", "-R", "0:" + to}
				got := run(gsshBin, spec...)
				m := allocatedLine.FindStringSubmatch(got.stderr)
				if got.code != 0 || got.stdout != "ok\n" || m == nil || m[2] != strconv.Itoa(target) {
					t.Fatalf("gssh -R 0: exit %d stdout %q stderr %q", got.code, got.stdout, got.stderr)
				}
				port, _ := strconv.Atoi(m[1])
				// sshd listens on the server's loopback, which is ours.
				if text, err := fetchPort(port); err != nil || text != "through the master\n" {
					t.Fatalf("through the remote forward on port %d: %q, %v", port, text, err)
				}
				// ssh asking for the same gets the same port back.
				want := run(sshBin, spec...)
				if want.code != 0 || want.stderr != got.stderr {
					t.Errorf("ssh -R 0 after gssh: exit %d stderr %q; gssh's stderr %q", want.code, want.stderr, got.stderr)
				}
			})

			if n := logins(t, s); n != before {
				t.Errorf("%d new logins: the passengers connected directly", n-before)
			}

			busy := strconv.Itoa(busyPort(t))
			for _, tc := range []struct {
				name string
				args []string
				code int
			}{
				{"-L fails", []string{"-L", "127.0.0.1:" + busy + ":" + to}, 0},
				{"-L fails with ExitOnForwardFailure", []string{"-o", "ExitOnForwardFailure=yes", "-L", "127.0.0.1:" + busy + ":" + to}, 255},
				{"-R fails", []string{"-R", busy + ":" + to}, 0},
				{"-R fails with ExitOnForwardFailure", []string{"-o", "ExitOnForwardFailure=yes", "-R", busy + ":" + to}, 255},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want := run(sshBin, tc.args...)
					got := run(gsshBin, tc.args...)
					if want.code != tc.code || !strings.Contains(want.stderr, "muxclient: master forward request failed\r\n") {
						t.Fatalf("ssh, the reference: exit %d stderr %q", want.code, want.stderr)
					}
					if got.code != want.code || got.stdout != want.stdout || got.stderr != want.stderr {
						t.Errorf("gssh: exit %d stdout %q stderr %q\nssh:  exit %d stdout %q stderr %q",
							got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
					}
				})
			}

			// With ControlMaster auto and ControlPersist the failed
			// passenger connects directly and, as ssh, leaves the socket
			// to the master it found: no second master, no second try.
			// ssh says "ControlSocket … already exists" when its direct
			// connection tries to listen: after the local forwardings'
			// messages, before the remote ones' answers.
			for _, tc := range []struct {
				name string
				args []string
			}{
				{"auto", []string{"-o", "ControlMaster=auto", "-o", "ControlPersist=60", "-L", "127.0.0.1:" + busy + ":" + to}},
				{"auto without ControlPersist", []string{"-o", "ControlMaster=auto", "-L", "127.0.0.1:" + busy + ":" + to}},
				{"auto -R", []string{"-o", "ControlMaster=auto", "-o", "ControlPersist=60", "-R", busy + ":" + to}},
				{"auto -L and -R", []string{"-o", "ControlMaster=auto", "-L", "127.0.0.1:" + busy + ":" + to, "-R", busy + ":" + to}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					want := run(sshBin, tc.args...)
					got := run(gsshBin, tc.args...)
					if want.code != 0 || want.stdout != "ok\n" ||
						strings.Count(want.stderr, "muxclient: master forward request failed\r\n") != 1 ||
						!strings.Contains(want.stderr, "ControlSocket "+sock+" already exists, disabling multiplexing\r\n") {
						t.Fatalf("ssh, the reference: exit %d stdout %q stderr %q", want.code, want.stdout, want.stderr)
					}
					if got.code != want.code || got.stdout != want.stdout || got.stderr != want.stderr {
						t.Errorf("gssh: exit %d stdout %q stderr %q\nssh:  exit %d stdout %q stderr %q",
							got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
					}
					if now := checkMaster(t, gsshBin, s.ClientConfig, sock); now != pid {
						t.Errorf("the master at %s is now %d, not %d", sock, now, pid)
					}
				})
			}
		})
	}
}

// TestMuxMasterOwnRemoteZero: a passenger asking for the -R 0 that the
// master has from its own command line gets the port the server chose
// then (mux.c mux_master_process_open_fwd, "found allocated port"), from
// a gssh master as from OpenSSH's, whichever client asks.
func TestMuxMasterOwnRemoteZero(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	target := greeter(t, "through the master's -R 0\n")
	spec := "0:127.0.0.1:" + strconv.Itoa(target)
	for _, master := range []string{gsshBin, sshBin} {
		t.Run("master "+filepath.Base(master), func(t *testing.T) {
			sock := filepath.Join(muxDir(t), "ctl")
			// A foreground master, whose stderr keeps the port it was
			// given (ssh -f's background half sends its stderr to
			// /dev/null).
			logFile := filepath.Join(filepath.Dir(sock), "master.log")
			logf, err := os.Create(logFile)
			if err != nil {
				t.Fatal(err)
			}
			defer logf.Close()
			cmd := exec.Command(master, "-F", s.ClientConfig, "-M", "-S", sock, "-Nn", "-o", "LogLevel=INFO", "-R", spec, "sshd")
			cmd.Stdout, cmd.Stderr = logf, logf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			var logged string
			var m []string
			eventually(10*time.Second, func() bool {
				logged = readFile(t, logFile)
				m = regexp.MustCompile(`Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+\r\n`).FindStringSubmatch(logged)
				return m != nil
			})
			if m == nil {
				t.Fatalf("master did not report its allocated port: %q", logged)
			}
			for _, prog := range []string{gsshBin, sshBin} {
				r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-S", sock, "-o", "LogLevel=VERBOSE", "-R", spec, "sshd", "echo ok")
				got := allocatedLine.FindStringSubmatch(r.stderr)
				if r.code != 0 || r.stdout != "ok\n" || got == nil || got[1] != m[1] {
					t.Errorf("%s -R %s through the master: exit %d stdout %q stderr %q; the master's port is %s",
						filepath.Base(prog), spec, r.code, r.stdout, r.stderr, m[1])
				}
			}
			port, _ := strconv.Atoi(m[1])
			if text, err := fetchPort(port); err != nil || text != "through the master's -R 0\n" {
				t.Errorf("through port %d: %q, %v", port, text, err)
			}
		})
	}
}
