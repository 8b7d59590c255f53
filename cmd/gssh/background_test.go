//go:build unix

package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// returnsAtOnce bounds a call whose property is to return as soon as its
// own work is done — `-f` once the connection and forwardings are up, a
// ControlMaster=auto call once its command has ended — instead of when a
// background process it started lets go of the caller's pipes. That work
// is a loopback login and a command: about 0.2 s here, 0.5 s when the
// binary is built with -race. The property is 2 s; the extra second is
// margin for a loaded two-core machine. A held pipe misses the bound by
// the background process's whole lifetime (a minute or more in these
// tests), so the margin cannot hide it.
const returnsAtOnce = 2*time.Second + time.Second

// backgroundChild finds the live process whose command line is exactly
// gsshBin with args: -f's child, which is no child of the test. It fails
// the test unless there is exactly one, and kills it (by pid) when the
// test ends.
func backgroundChild(t *testing.T, args ...string) int {
	t.Helper()
	want := strings.Join(append([]string{gsshBin}, args...), "\x00") + "\x00"
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		pid, _ := strconv.Atoi(filepath.Base(d))
		if err == nil && string(cmdline) == want && alive(t, pid) {
			pids = append(pids, pid)
		}
	}
	if len(pids) != 1 {
		t.Fatalf("background gssh processes for %q: %v, want one", args, pids)
	}
	pid := pids[0]
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return pid
}

// TestForkTunnel: `gssh -f -N -L … -R 0:…` returns as soon as the
// forwardings are up, printing the allocated port as ssh does, and does
// not hold the caller's stdout and stderr pipes (runClient reads them to
// EOF, so a child holding them would stall it); the tunnels work after
// the foreground gssh has exited.
func TestForkTunnel(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webAddr := web.Listener.Addr().String()
	port := freeLocalPort(t)
	args := []string{"-F", s.ClientConfig, "-f", "-N", "-L", fmt.Sprintf("%d:%s", port, webAddr),
		"-R", "0:" + webAddr, "sshd"}
	start := time.Now()
	r := gssh(t, nil, args...)
	if d := time.Since(start); d > returnsAtOnce {
		t.Fatalf("gssh -f took %v to return, want at most %v", d, returnsAtOnce)
	} else {
		t.Logf("gssh -f returned after %v", d.Round(time.Millisecond))
	}
	pid := backgroundChild(t, args...)
	allocated := regexp.MustCompile(`^Allocated port (\d+) for remote forward to ` + regexp.QuoteMeta(webAddr) + "\r\n$")
	m := allocated.FindStringSubmatch(r.stderr)
	if r.code != 0 || r.stdout != "" || m == nil {
		t.Fatalf("gssh -f -N: %+v", r)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("background gssh %d: %v", pid, err)
	}
	// Field 6 is the session id: the child leads its own session.
	if fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(fields) < 4 || fields[3] != strconv.Itoa(pid) {
		t.Errorf("background gssh %d is not the leader of its own session: stat %q", pid, stat)
	}
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if got := fetch(t, "http://"+local+"/", dialTo("tcp", local)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-L after -f: got %d bytes, want the %d of the page", len(got), len(fwdPage))
	}
	remote := net.JoinHostPort("127.0.0.1", m[1])
	if got := fetch(t, "http://"+remote+"/", dialTo("tcp", remote)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-R after -f: got %d bytes, want the %d of the page", len(got), len(fwdPage))
	}
}

// TestForkCommand: `gssh -f host cmd` returns before the command has
// finished (it waits for a file the test creates only afterwards), and
// the command runs to its end in the background. Also through a
// ProxyCommand, which lives as long as the connection: it must not
// inherit the pipe the foreground gssh waits on.
func TestForkCommand(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	proxy := fmt.Sprintf("ProxyCommand=%s -F %s -W %%h:%%p sshd", gsshBin, s.ClientConfig)
	for _, extra := range [][]string{nil, {"-o", proxy}} {
		dir := t.TempDir()
		goFile, out := filepath.Join(dir, "go"), filepath.Join(dir, "out")
		cmd := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.05; done; echo ran in the background > %s", goFile, out)
		r := gssh(t, nil, append(append([]string{"-F", s.ClientConfig, "-f"}, extra...), "sshd", cmd)...)
		if r.code != 0 || r.stdout != "" || r.stderr != "" {
			t.Fatalf("gssh -f %q cmd: %+v", extra, r)
		}
		writeFile(t, goFile, "")
		if !eventually(15*time.Second, func() bool {
			data, _ := os.ReadFile(out)
			return string(data) == "ran in the background\n"
		}) {
			t.Fatalf("%q: the background command did not finish", extra)
		}
	}
}

// TestForkFailuresMatchOpenSSH: failures before the fork (no command,
// ExitOnForwardFailure with a busy port, a refused connection) print
// ssh's messages and exit with ssh's status from the foreground.
func TestForkFailuresMatchOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	for _, args := range [][]string{
		{"-F", s.ClientConfig, "-f", "sshd"},
		{"-F", s.ClientConfig, "-f", "-N", "-o", "ExitOnForwardFailure=yes", fmt.Sprintf("-L127.0.0.1:%d:localhost:22", port), "sshd"},
		{"-F", s.ClientConfig, "-f", "-o", "ExitOnForwardFailure=yes", "-R127.0.0.1:" + strconv.Itoa(s.Port) + ":localhost:80", "sshd", "echo ran"},
		{"-F", s.ClientConfig, "-f", "-p", strconv.Itoa(freeLocalPort(t)), "sshd", "echo ran"},
	} {
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		want.stderr = asGssh(want.stderr)
		if got := gssh(t, nil, args...); got != want || got.code != 255 {
			t.Errorf("%q:\n gssh %+v\n  ssh %+v", args, got, want)
		}
	}
}
