package soak

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// dumpWait bounds how long a gssh master may take to write its goroutine
// dump; it takes milliseconds, but the machine may be loaded.
const dumpWait = 10 * time.Second

// master is one control master under test and what is known about it.
type master struct {
	name string // "gssh" or "ssh"
	bin  string
	cfg  string // ssh_config with host alias "sshd"
	sock string
	pid  int
	// dump is the file gssh writes its goroutines to on SIGUSR2; empty
	// for OpenSSH's master, which has none.
	dump string
	// fwd is host:port of the master's own -L, forwarded to the echo
	// server.
	fwd string

	// probeMu serialises goroutine dumps: the sampler and the test both
	// ask for them.
	probeMu sync.Mutex
	peak    peaks
}

// peaks are the highest values the sampler saw since the last reset.
type peaks struct {
	mu         sync.Mutex
	fds        int
	rss        int64
	threads    int
	goroutines int
	err        error // the first failed probe
}

func (p *peaks) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fds, p.rss, p.threads, p.goroutines = 0, 0, 0, 0
}

func (p *peaks) observe(s Snapshot, goroutines int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.err == nil {
			p.err = err
		}
		return
	}
	p.fds = max(p.fds, s.FDs)
	p.rss = max(p.rss, s.RSS)
	p.threads = max(p.threads, s.Threads)
	p.goroutines = max(p.goroutines, goroutines)
}

func (p *peaks) get() (fds int, rss int64, threads, goroutines int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fds, p.rss, p.threads, p.goroutines, p.err
}

// startMaster starts bin as a background master (-M -S SOCK -fN, with
// ControlPersist=yes and a -L to echo) and returns it once -O check
// names its pid. It is asked to exit, and killed if it will not, when
// the test ends.
func startMaster(t *testing.T, srv *sshdtest.Server, name, bin, dir, echo string) *master {
	t.Helper()
	m := &master{name: name, bin: bin, cfg: srv.ClientConfig, sock: filepath.Join(dir, name+".sock")}
	port := freePort(t)
	m.fwd = fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-F", m.cfg, "-M", "-S", m.sock,
		"-o", "ControlPersist=yes", "-o", "ExitOnForwardFailure=yes",
		"-L", m.fwd+":"+echo, "-f", "-N", "sshd")
	cmd.Env = os.Environ()
	if name == "gssh" {
		m.dump = filepath.Join(dir, "gssh-goroutines.txt")
		cmd.Env = append(cmd.Env, "GSSH_GOROUTINE_DUMP="+m.dump)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s master: %v\n%s", name, err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "-F", m.cfg, "-S", m.sock, "-O", "check", "sshd").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -O check: %v\n%s", name, err, out)
	}
	match := regexp.MustCompile(`Master running \(pid=(\d+)\)`).FindSubmatch(out)
	if match == nil {
		t.Fatalf("%s -O check: no pid in %q", name, out)
	}
	m.pid, _ = strconv.Atoi(string(match[1]))
	t.Cleanup(m.stop)
	return m
}

// stop asks the master to exit and kills it if it is still there after
// five seconds.
func (m *master) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	exec.CommandContext(ctx, m.bin, "-F", m.cfg, "-S", m.sock, "-O", "exit", "sshd").Run()
	for deadline := time.Now().Add(5 * time.Second); alive(m.pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(m.pid) {
		syscall.Kill(m.pid, syscall.SIGKILL)
	}
}

// alive is kill -0 that counts zombies as dead: the daemonised master is
// re-parented and may never be reaped in a container.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	f := bytes.Fields(rest)
	return len(f) > 0 && string(f[0]) != "Z"
}

// goroutines is the gssh master's goroutine count, or -1 for OpenSSH's.
func (m *master) goroutines() (int, error) {
	if m.dump == "" {
		return -1, nil
	}
	m.probeMu.Lock()
	defer m.probeMu.Unlock()
	return Goroutines(m.pid, m.dump, dumpWait)
}

// state is a Snapshot and the goroutine count taken together.
type state struct {
	Snapshot
	Goroutines int // -1 where unknown (OpenSSH)
}

func (m *master) state() (state, error) {
	s, err := Probe(m.pid)
	if err != nil {
		return state{}, fmt.Errorf("%s master (pid %d): %w", m.name, m.pid, err)
	}
	g, err := m.goroutines()
	if err != nil {
		return state{}, fmt.Errorf("%s master: %w", m.name, err)
	}
	return state{s, g}, nil
}

// sample records the master's peaks every interval until ctx ends;
// goroutines every other time, as a dump costs the master more than a
// read of /proc.
func (m *master) sample(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s, err := Probe(m.pid)
		g := 0
		if err == nil && n%2 == 0 {
			g, err = m.goroutines()
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			err = fmt.Errorf("%s master: %w", m.name, err)
		}
		m.peak.observe(s, g, err)
	}
}

// settle waits until ok accepts the master's state, or until the
// deadline, and returns the last state and how long it took. Channels
// are closed in a round trip with the server after the client has gone,
// so the master may still be tidying up when the last session ends.
func (m *master) settle(wait time.Duration, ok func(state) bool) (state, time.Duration, error) {
	start := time.Now()
	for {
		s, err := m.state()
		if err != nil || ok(s) || time.Since(start) > wait {
			return s, time.Since(start), err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// command is bin run as a passenger of this master.
func (m *master) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, m.bin, append([]string{"-F", m.cfg, "-S", m.sock}, args...)...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
