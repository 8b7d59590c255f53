package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// startMaster starts a background master for c at path and returns its pid.
func (bb *bench) startMaster(c client, srv *server, path string) int {
	bb.b.Helper()
	args := append([]string{"-F", srv.ClientConfig}, srv.opts...)
	args = append(args, "-M", "-S", path, "-o", "ControlPersist=yes", "-f", "-N", "sshd")
	bb.must(exec.Command(c.path, args...))
	out, err := exec.Command(c.path, "-F", srv.ClientConfig, "-S", path, "-O", "check", "sshd").CombinedOutput()
	if err != nil {
		bb.b.Fatalf("%s -O check: %v: %s", c.name, err, out)
	}
	m := regexp.MustCompile(`pid=(\d+)`).FindSubmatch(out)
	if m == nil {
		bb.b.Fatalf("%s -O check: no pid in %q", c.name, out)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	return pid
}

// stopMaster asks the master at path to exit and waits until it has.
func (bb *bench) stopMaster(c client, srv *server, path string, pid int) {
	exec.Command(c.path, "-F", srv.ClientConfig, "-S", path, "-O", "exit", "sshd").Run()
	for deadline := time.Now().Add(5 * time.Second); alive(pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// alive is kill -0 that counts zombies as dead: a backgrounded master is
// re-parented and may not be reaped in a container.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	f := strings.Fields(string(rest))
	return len(f) > 0 && f[0] != "Z"
}

// master is a session through each client's own master, and -O check.
// Both masters run side by side for the whole row, so each passenger
// meets the same server load.
func (bb *bench) master(srv *server) {
	dir := bb.b.TempDir()
	var paths [2]string
	var pids [2]int
	for i, c := range bb.clients {
		paths[i] = filepath.Join(dir, c.name+".sock")
		pids[i] = bb.startMaster(c, srv, paths[i])
	}
	defer func() {
		for i, c := range bb.clients {
			bb.stopMaster(c, srv, paths[i], pids[i])
		}
	}()
	g, o := bb.alternate(bb.p.quick, func(side int) Sample {
		return bb.must(exec.Command(bb.clients[side].path, "-F", srv.ClientConfig, "-S", paths[side], "sshd", "true"))
	})
	bb.rows = append(bb.rows, Row{Name: "session via master (true)", Unit: "s", Prec: 4, GSSH: seconds(g), SSH: seconds(o), Goal: AtMost, Target: 1.0})
	g, o = bb.alternate(bb.p.quick, func(side int) Sample {
		return bb.must(exec.Command(bb.clients[side].path, "-F", srv.ClientConfig, "-S", paths[side], "-O", "check", "sshd"))
	})
	bb.rows = append(bb.rows, Row{Name: "-O check", Unit: "s", Prec: 4, GSSH: seconds(g), SSH: seconds(o)})
}

// masterSessions is the resident memory of a master holding sessions
// open sessions (`sleep 300`), read from /proc once the server runs them
// all; one master at a time, gssh's and ssh's in turn.
func (bb *bench) masterSessions(srv *server) {
	dir := bb.b.TempDir()
	g, o := bb.alternate(bb.p.slow, func(side int) Sample {
		c := bb.clients[side]
		path := filepath.Join(dir, c.name+".sock")
		pid := bb.startMaster(c, srv, path)
		var passengers []*exec.Cmd
		for i := 0; i < bb.p.sessions; i++ {
			cmd := exec.Command(c.path, "-F", srv.ClientConfig, "-S", path, "-n", "sshd", "exec sleep 300")
			if err := cmd.Start(); err != nil {
				bb.b.Fatal(err)
			}
			passengers = append(passengers, cmd)
		}
		bb.waitSleeps(srv, bb.p.sessions)
		resident := vmRSS(bb.b, pid)
		// Remote commands first: a session without a pty outlives its
		// closed channel, re-parented away from sshd (OPENSSH-NOTES §5).
		bb.killSleeps(srv)
		for _, cmd := range passengers {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, cmd := range passengers {
			cmd.Wait()
		}
		bb.stopMaster(c, srv, path, pid)
		// The master's RSS with every session open, not its client's peak.
		return Sample{MaxRSS: resident}
	})
	bb.rows = append(bb.rows, Row{Name: fmt.Sprintf("master RSS, %d sessions", bb.p.sessions), Unit: "MiB", Prec: 1, GSSH: rss(g), SSH: rss(o)})
}

// sleeps lists the server-side `sleep` processes of masterSessions.
func sleeps(srv *server) []int {
	var out []int
	for _, pid := range sshdtest.Descendants(srv.Pid()) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(comm)) == "sleep" {
			out = append(out, pid)
		}
	}
	return out
}

func (bb *bench) waitSleeps(srv *server, n int) {
	deadline := time.Now().Add(60 * time.Second)
	for len(sleeps(srv)) < n {
		if time.Now().After(deadline) {
			bb.b.Fatalf("only %d of %d sessions started", len(sleeps(srv)), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (bb *bench) killSleeps(srv *server) {
	for _, pid := range sleeps(srv) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// vmRSS is a process's current resident set in bytes.
func vmRSS(b *testing.B, pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	b.Fatalf("no VmRSS for pid %d", pid)
	return 0
}
