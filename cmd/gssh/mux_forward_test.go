//go:build linux

package main

import (
	"io"
	"net"
	"path/filepath"
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
