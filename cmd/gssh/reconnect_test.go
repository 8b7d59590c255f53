//go:build linux

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// The acceptance tests of gssh --reconnect (docs/tunnels.md) against the
// real sshd: ServerAliveInterval 1 and CountMax 2, so a frozen server is
// declared dead 3 s after its last byte and the tunnel must be back
// within interval×(countmax+1) + 3 s = 6 s of the fault.

// reconnectBudget is interval×(countmax+1) + 3 s for aliveOpts.
const reconnectBudget = 6 * time.Second

// sshBanner reports whether addr answers with OpenSSH's banner within
// limit: the proof that a connection through a forwarding reached sshd.
func sshBanner(addr string, limit time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(limit))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-2.0-OpenSSH")
}

// waitBanner polls addr until sshd's banner comes through it, failing
// after limit or when gssh exits; it returns when the banner came.
func waitBanner(t *testing.T, r *running, addr string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if sshBanner(addr, 500*time.Millisecond) {
			return time.Now()
		}
		select {
		case <-r.done:
			t.Fatalf("gssh exited %d while waiting for the banner through %s; stderr %q", r.code, addr, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sshd banner through %s within %v; stderr %q", addr, limit, r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitStderr polls gssh's stderr until re matches it, failing after
// limit, and returns the submatches.
func waitStderr(t *testing.T, r *running, re *regexp.Regexp, limit time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if m := re.FindStringSubmatch(r.stderr.String()); m != nil {
			return m
		}
		select {
		case <-r.done:
			if m := re.FindStringSubmatch(r.stderr.String()); m != nil {
				return m
			}
			t.Fatalf("gssh exited %d before stderr matched %q: %q", r.code, re, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("stderr did not match %q within %v: %q", re, limit, r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tunnelLines is gssh's stderr split into lines.
func tunnelLines(r *running) []string {
	s := strings.TrimRight(strings.ReplaceAll(r.stderr.String(), "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// portGuard tries to bind 127.0.0.1:port every few milliseconds for as
// long as it runs: while gssh's listener holds the port every try fails,
// so a single success proves the port was let go, however briefly.
type portGuard struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	won  bool
	n    int
}

func guardPort(t *testing.T, port int) *portGuard {
	g := &portGuard{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		for {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			g.mu.Lock()
			g.n++
			if err == nil {
				g.won = true
				l.Close()
			}
			g.mu.Unlock()
			select {
			case <-g.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(g.finish)
	return g
}

// check stops the guard and fails the test if the port was ever free.
func (g *portGuard) check(t *testing.T) {
	t.Helper()
	g.finish()
	g.mu.Lock()
	defer g.mu.Unlock()
	t.Logf("the local port stayed bound through %d bind attempts", g.n)
	if g.won {
		t.Fatal("the local port was free for a moment: the listener did not stay bound")
	}
}

func (g *portGuard) finish() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	<-g.done
}

// killSessions kills every sshd process serving a connection on s.
func killSessions(t *testing.T, pids []int) {
	t.Helper()
	if len(pids) == 0 {
		t.Fatal("no sshd session process to kill")
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// startTunnel runs gssh --reconnect -N with aliveOpts and extra args
// against s.
func startTunnel(t *testing.T, s *sshdtest.Server, args ...string) *running {
	t.Helper()
	all := append([]string{"-F", s.ClientConfig, "--reconnect", "-N"}, aliveOpts...)
	r := startGssh(t, nil, nil, append(append(all, args...), "sshd")...)
	r.drain()
	return r
}

// TestReconnectLocalForward: the session's sshd processes are killed, or
// frozen so that only keepalive can notice; within the budget a new
// connection through the -L port reaches sshd again, the port was bound
// all along, a connection made during the outage is carried by the new
// connection, and stderr has exactly one line, naming the reason.
func TestReconnectLocalForward(t *testing.T) {
	for _, c := range []struct {
		name   string
		fault  func(t *testing.T, pids []int)
		reason string
	}{
		{"killed", killSessions, "Connection to 127.0.0.1 closed by remote host"},
		{"frozen", func(t *testing.T, pids []int) { faults.Freeze(t, pids) }, "Timeout, server 127.0.0.1 not responding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			port := freeLocalPort(t)
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			r := startTunnel(t, s, "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
			waitBanner(t, r, addr, 20*time.Second)
			guard := guardPort(t, port)
			pids := s.SessionPIDs()
			fault := time.Now()
			c.fault(t, pids)
			// A client that connects during the outage is held, not
			// refused, and carried by the next connection.
			during := make(chan bool, 1)
			go func() { during <- sshBanner(addr, reconnectBudget+2*time.Second) }()
			back := waitBanner(t, r, addr, reconnectBudget+2*time.Second)
			t.Logf("tunnel back %v after the fault (budget %v)", back.Sub(fault).Round(time.Millisecond), reconnectBudget)
			if back.Sub(fault) > reconnectBudget {
				t.Fatalf("tunnel back %v after the fault, budget %v", back.Sub(fault), reconnectBudget)
			}
			if !<-during {
				t.Fatal("a connection accepted during the outage did not reach sshd")
			}
			guard.check(t)
			lines := tunnelLines(r)
			want := regexp.MustCompile(`^` + regexp.QuoteMeta(c.reason) + `; reconnecting in [01]\.\ds \(attempt 1\)$`)
			if len(lines) != 1 || !want.MatchString(lines[0]) {
				t.Fatalf("stderr %q, want one line matching %q", r.stderr.String(), want)
			}
			// SIGTERM ends a tunnel with 0, as it ends ssh -N.
			r.cmd.Process.Signal(syscall.SIGTERM)
			if code, _ := r.wait(t, 10*time.Second); code != 0 {
				t.Fatalf("exit %d after SIGTERM, want 0; stderr %q", code, r.stderr.String())
			}
		})
	}
}

// allocatedRE is ssh's line for a remote forwarding of port 0.
var allocatedRE = regexp.MustCompile(`Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+\r\n`)

// TestReconnectRemoteForwardPortZero: -R 0 comes back on a new
// connection, on the port the server allocates then (logged again).
func TestReconnectRemoteForwardPortZero(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := startTunnel(t, s, "-R", fmt.Sprintf("0:127.0.0.1:%d", s.Port))
	first := waitStderr(t, r, allocatedRE, 20*time.Second)[1]
	waitBanner(t, r, "127.0.0.1:"+first, 10*time.Second)
	fault := time.Now()
	killSessions(t, s.SessionPIDs())
	again := regexp.MustCompile(`(?s)Allocated port \d+ .*reconnecting in .*Allocated port (\d+) for remote forward`)
	second := waitStderr(t, r, again, reconnectBudget)[1]
	back := waitBanner(t, r, "127.0.0.1:"+second, reconnectBudget)
	t.Logf("-R 0 back on port %s (was %s) %v after the fault", second, first, back.Sub(fault).Round(time.Millisecond))
	if back.Sub(fault) > reconnectBudget {
		t.Fatalf("-R 0 back %v after the fault, budget %v", back.Sub(fault), reconnectBudget)
	}
	if n := len(tunnelLines(r)); n != 3 {
		t.Fatalf("stderr %q: want the two allocations and one loss line", r.stderr.String())
	}
}

// TestReconnectRemoteForwardHeldPort: the old session, frozen, still
// holds the fixed -R port when the new connection asks for it; the
// tunnel asks again until the server frees the port (the frozen session
// is killed), and the forwarding comes back.
func TestReconnectRemoteForwardHeldPort(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r := startTunnel(t, s, "-R", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
	waitBanner(t, r, addr, 20*time.Second)
	pids := s.SessionPIDs()
	faults.Freeze(t, pids)
	waitStderr(t, r, regexp.MustCompile(`Timeout, server 127\.0\.0\.1 not responding; reconnecting in`), reconnectBudget)
	held := regexp.MustCompile(`Warning: remote port forwarding failed for listen port ` + strconv.Itoa(port) + `; retrying in \d+\.\ds\r\n`)
	waitStderr(t, r, held, reconnectBudget)
	// The frozen session's listener still accepts into its backlog but
	// never answers: the forwarding is not back.
	if sshBanner(addr, 300*time.Millisecond) {
		t.Fatal("banner through the held port before the old session was gone")
	}
	freed := time.Now()
	killSessions(t, pids)
	// Retries come 0.5-1 s, then 1-2 s, 2-4 s apart: the next one within 4 s.
	back := waitBanner(t, r, addr, 5*time.Second)
	t.Logf("-R %d back %v after the server freed it", port, back.Sub(freed).Round(time.Millisecond))
	waitStderr(t, r, regexp.MustCompile(`Remote port forwarding for listen port `+strconv.Itoa(port)+` restored\.\r\n`), 2*time.Second)
}

// TestReconnectGivesUp: --reconnect-max 2 against a server that stays
// down exits 255 after two attempts, one line each.
func TestReconnectGivesUp(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r := startTunnel(t, s, "--reconnect-max", "2", "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
	waitBanner(t, r, addr, 20*time.Second)
	s.Stop()
	code, _ := r.wait(t, 20*time.Second)
	lines := tunnelLines(r)
	refused := fmt.Sprintf("connect to host 127.0.0.1 port %d: Connection refused", s.Port)
	want := []*regexp.Regexp{
		regexp.MustCompile(`^Connection to 127\.0\.0\.1 closed by remote host; reconnecting in [01]\.\ds \(attempt 1 of 2\)$`),
		regexp.MustCompile(`^Reconnect attempt 1 of 2 failed: ` + regexp.QuoteMeta(refused) + `; retrying in [12]\.\ds \(attempt 2 of 2\)$`),
		regexp.MustCompile(`^Reconnect attempt 2 of 2 failed: ` + regexp.QuoteMeta(refused) + `; giving up$`),
	}
	if code != 255 || len(lines) != len(want) {
		t.Fatalf("exit %d, stderr %q; want 255 and %d lines", code, r.stderr.String(), len(want))
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d %q does not match %q", i+1, lines[i], re)
		}
	}
}

// TestReconnectFirstConnectionGate: a first connection to a closed port
// exits 255 at once with ssh's own message (the gate), unless
// --reconnect-first asks for retries.
func TestReconnectFirstConnectionGate(t *testing.T) {
	port := freeLocalPort(t)
	args := []string{"-F", "none", "-o", "BatchMode=yes", "-p", strconv.Itoa(port), "-N", "127.0.0.1"}
	want := runClient(t, sshPath, nil, nil, args...)
	start := time.Now()
	got := gssh(t, nil, append([]string{"--reconnect"}, args...)...)
	took := time.Since(start)
	if got.code != 255 || want.code != 255 || got.stderr != asGssh(want.stderr) {
		t.Fatalf("gssh exit %d stderr %q, ssh exit %d stderr %q", got.code, got.stderr, want.code, want.stderr)
	}
	if took > 2*time.Second {
		t.Fatalf("the gated first connection took %v, want at once", took)
	}

	start = time.Now()
	got = gssh(t, nil, append([]string{"--reconnect-first", "--reconnect-max", "1"}, args...)...)
	took = time.Since(start)
	refused := fmt.Sprintf("connect to host 127.0.0.1 port %d: Connection refused", port)
	wantLines := "" +
		refused + "; retrying in 0.5s (attempt 1 of 1)\r\n" +
		"Reconnect attempt 1 of 1 failed: " + refused + "; giving up\r\n"
	re := regexp.MustCompile(`in \d\.\ds`)
	if got.code != 255 || re.ReplaceAllString(got.stderr, "in 0.5s") != wantLines {
		t.Fatalf("--reconnect-first: exit %d stderr %q, want 255 and %q", got.code, got.stderr, wantLines)
	}
	if took < 500*time.Millisecond || took > 3*time.Second {
		t.Fatalf("--reconnect-first with one attempt took %v, want 0.5-1 s and the attempt", took)
	}
}

// TestReconnectRefusedWithoutN: --reconnect (or a companion) with a
// command, a shell, -W or -O is refused before connecting.
func TestReconnectRefusedWithoutN(t *testing.T) {
	const msg = "gssh: --reconnect needs -N: a command, a shell, -W or -O cannot be resumed on a new connection\r\n"
	for _, args := range [][]string{
		{"--reconnect", "127.0.0.1", "true"},
		{"--reconnect", "127.0.0.1"},
		{"--reconnect-max", "3", "127.0.0.1", "true"},
		{"--reconnect-first", "-W", "127.0.0.1:22", "127.0.0.1"},
		{"--reconnect", "-N", "-O", "check", "127.0.0.1"},
	} {
		r := gssh(t, nil, append([]string{"-F", "none", "-p", "1"}, args...)...)
		if r.code != 255 || r.stderr != msg {
			t.Errorf("gssh %q: exit %d stderr %q, want 255 and %q", args, r.code, r.stderr, msg)
		}
	}
	r := gssh(t, nil, "--reconnect-max", "-1", "-N", "127.0.0.1")
	if r.code != 255 || r.stderr != "gssh: --reconnect-max -1: must not be negative\n" {
		t.Errorf("--reconnect-max -1: exit %d stderr %q", r.code, r.stderr)
	}
}

// TestReconnectOnSIGUSR1: SIGUSR1 closes a healthy connection and
// connects again at once; the forwarding carries on.
func TestReconnectOnSIGUSR1(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r := startTunnel(t, s, "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
	waitBanner(t, r, addr, 20*time.Second)
	guard := guardPort(t, port)
	r.cmd.Process.Signal(syscall.SIGUSR1)
	waitStderr(t, r, regexp.MustCompile(`^SIGUSR1 received; reconnecting in 0\.0s \(attempt 1\)\r\n$`), 5*time.Second)
	accepted := regexp.MustCompile(`Accepted publickey`)
	deadline := time.Now().Add(10 * time.Second)
	for len(accepted.FindAllString(readLog(t, s), -1)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second login within 10s; sshd log:\n%s", readLog(t, s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitBanner(t, r, addr, 5*time.Second)
	guard.check(t)
}

// notifyListener is the NOTIFY_SOCKET of a test: every datagram with the
// time it arrived.
type notifyListener struct {
	path string
	mu   sync.Mutex
	msgs []notifyMsg
}

type notifyMsg struct {
	at   time.Time
	text string
}

func listenNotify(t *testing.T) *notifyListener {
	t.Helper()
	n := &notifyListener{path: filepath.Join(t.TempDir(), "notify")}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, notifyMsg{time.Now(), string(buf[:k])})
			n.mu.Unlock()
		}
	}()
	return n
}

// with returns the datagrams that contain s.
func (n *notifyListener) with(s string) []notifyMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []notifyMsg
	for _, m := range n.msgs {
		if strings.Contains(m.text, s) {
			out = append(out, m)
		}
	}
	return out
}

// waitFor polls until at least count datagrams contain s.
func (n *notifyListener) waitFor(t *testing.T, r *running, s string, count int, limit time.Duration) []notifyMsg {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if m := n.with(s); len(m) >= count {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d %q notifications within %v (have %d); stderr %q", count, s, limit, len(n.with(s)), r.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSystemdNotify: under NOTIFY_SOCKET, READY=1 comes once the
// forwardings are up (the -L and -R ports carry a connection),
// WATCHDOG=1 every half WATCHDOG_USEC while the server
// answers, none while it is frozen (from two intervals after the
// freeze, when the second probe is unanswered, to the keepalive
// verdict), STATUS= at the loss, and pings again once reconnected. A
// plain -N without --reconnect sends READY=1 and pings too.
func TestSystemdNotify(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	n := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", n.path)
	t.Setenv("WATCHDOG_USEC", "400000")
	port, rport := freeLocalPort(t), freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// CountMax 4: the verdict comes 5 s after the freeze, leaving a
	// window of silence to check.
	r := startGssh(t, nil, nil, "-F", s.ClientConfig, "--reconnect", "-N", "-o", "ServerAliveInterval=1",
		"-o", "ServerAliveCountMax=4", "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port),
		"-R", fmt.Sprintf("%d:127.0.0.1:%d", rport, s.Port), "sshd")
	r.drain()
	ready := n.waitFor(t, r, "READY=1", 1, 20*time.Second)[0]
	if !sshBanner(addr, 2*time.Second) {
		t.Fatal("READY=1, but the -L port does not carry a connection")
	}
	if !sshBanner(net.JoinHostPort("127.0.0.1", strconv.Itoa(rport)), 2*time.Second) {
		t.Fatal("READY=1, but the -R port does not carry a connection")
	}
	if !strings.Contains(ready.text, "STATUS=Connected to 127.0.0.1 port "+strconv.Itoa(s.Port)) {
		t.Errorf("READY=1 datagram %q lacks the status", ready.text)
	}
	// Healthy: a ping every 200 ms.
	healthy := time.Now()
	n.waitFor(t, r, "WATCHDOG=1", len(n.with("WATCHDOG=1"))+5, 3*time.Second)
	t.Logf("5 pings in %v while healthy", time.Since(healthy).Round(time.Millisecond))

	pids := s.SessionPIDs()
	frozen := time.Now()
	faults.Freeze(t, pids)
	waitStderr(t, r, regexp.MustCompile(`Timeout, server 127\.0\.0\.1 not responding; reconnecting in`), 8*time.Second)
	lost := time.Now()
	quietFrom := frozen.Add(2*time.Second + 500*time.Millisecond)
	var last time.Time
	for _, m := range n.with("WATCHDOG=1") {
		if m.at.After(quietFrom) && m.at.Before(lost.Add(-100*time.Millisecond)) {
			t.Errorf("WATCHDOG=1 %v after the freeze, while the server was frozen", m.at.Sub(frozen).Round(time.Millisecond))
		}
		if m.at.Before(lost) {
			last = m.at
		}
	}
	t.Logf("last ping %v after the freeze; verdict %v after it", last.Sub(frozen).Round(time.Millisecond), lost.Sub(frozen).Round(time.Millisecond))
	n.waitFor(t, r, "STATUS=Timeout, server 127.0.0.1 not responding; reconnecting in", 1, 2*time.Second)
	// Back: pings again, and READY=1 only ever once.
	before := len(n.with("WATCHDOG=1"))
	n.waitFor(t, r, "WATCHDOG=1", before+3, reconnectBudget)
	if k := len(n.with("READY=1")); k != 1 {
		t.Errorf("%d READY=1 datagrams, want 1", k)
	}

	// Without --reconnect.
	n2 := listenNotify(t)
	t.Setenv("NOTIFY_SOCKET", n2.path)
	port2 := freeLocalPort(t)
	r2 := startGssh(t, nil, nil, append(append([]string{"-F", s.ClientConfig, "-N"}, aliveOpts...),
		"-L", fmt.Sprintf("%d:127.0.0.1:%d", port2, s.Port), "sshd")...)
	r2.drain()
	n2.waitFor(t, r2, "READY=1", 1, 20*time.Second)
	if !sshBanner(net.JoinHostPort("127.0.0.1", strconv.Itoa(port2)), 2*time.Second) {
		t.Fatal("plain -N: READY=1, but the -L port does not carry a connection")
	}
	n2.waitFor(t, r2, "WATCHDOG=1", 3, 3*time.Second)
}

// TestReconnectQuietOnItsOwnConnection: without NOTIFY_SOCKET nothing
// is sent and nothing printed about systemd, and a tunnel neither becomes
// a ControlMaster nor uses one, whatever the configuration says.
func TestReconnectQuietOnItsOwnConnection(t *testing.T) {
	if os.Getenv("NOTIFY_SOCKET") != "" {
		t.Setenv("NOTIFY_SOCKET", "")
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	ctl := filepath.Join(t.TempDir(), "ctl")
	r := startTunnel(t, s, "-o", "ControlMaster=auto", "-o", "ControlPath="+ctl, "-o", "ControlPersist=yes",
		"-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
	waitBanner(t, r, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 20*time.Second)
	if r.stderr.String() != "" {
		t.Fatalf("stderr %q, want nothing", r.stderr.String())
	}
	if _, err := os.Stat(ctl); err == nil {
		t.Fatal("a --reconnect tunnel created a control socket")
	}
}

// TestReconnectRefusesUntrustedHostKey: the server's host key changes
// between connections and StrictHostKeyChecking=no lets the new
// connection go on, as ssh does; ssh would run no forwarding over it, and
// the tunnel counts it as a failed attempt rather than carry the -L port
// through it.
func TestReconnectRefusesUntrustedHostKey(t *testing.T) {
	r := startRotating(t)
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tun := startGssh(t, nil, nil, append(append([]string{"-F", r.ClientConfig, "--reconnect", "--reconnect-max", "1", "-N",
		"-o", "StrictHostKeyChecking=no"}, aliveOpts...), "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, r.Port), "sshd")...)
	tun.drain()
	waitBanner(t, tun, addr, 20*time.Second)
	other := filepath.Join(t.TempDir(), "ed")
	keygen(t, other, "-t", "ed25519")
	for _, suffix := range []string{"", ".pub"} {
		b, err := os.ReadFile(other + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.live, "ed"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	killSessions(t, r.SessionPIDs())
	code, _ := tun.wait(t, 20*time.Second)
	stderr := tun.stderr.String()
	for _, want := range []string{
		"@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
		"Reconnect attempt 1 of 1 failed: host key for 127.0.0.1 is not trusted: no forwarding over this connection; giving up\r\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 255 {
		t.Errorf("exit %d, want 255", code)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr)
	}
}

// TestReconnectTimeout: --timeout bounds a tunnel as it bounds any run:
// 124 and one line.
func TestReconnectTimeout(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	start := time.Now()
	r := gssh(t, nil, "-F", s.ClientConfig, "--reconnect", "--timeout", "2", "-N",
		"-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port), "sshd")
	took := time.Since(start)
	if r.code != 124 || r.stderr != "gssh: timeout after 2s: tunnel closed\r\n" {
		t.Fatalf("exit %d stderr %q, want 124 and one line", r.code, r.stderr)
	}
	if took < 2*time.Second || took > 4*time.Second {
		t.Fatalf("took %v, want about 2s", took)
	}
}

// TestReconnectFork: with -f the foreground gssh returns once the first
// connection's forwardings are up, and the background one keeps the
// tunnel up across a lost connection.
func TestReconnectFork(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := append(append([]string{"-F", s.ClientConfig, "-f", "--reconnect", "-N"}, aliveOpts...),
		"-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port), "sshd")
	start := time.Now()
	r := gssh(t, nil, args...)
	if d := time.Since(start); r.code != 0 || d > returnsAtOnce {
		t.Fatalf("gssh -f --reconnect: exit %d after %v, stderr %q; want 0 within %v", r.code, d, r.stderr, returnsAtOnce)
	}
	backgroundChild(t, args...)
	if !sshBanner(addr, 5*time.Second) {
		t.Fatal("no banner through the tunnel once -f returned")
	}
	fault := time.Now()
	killSessions(t, s.SessionPIDs())
	if !eventually(reconnectBudget, func() bool { return sshBanner(addr, 500*time.Millisecond) }) {
		t.Fatalf("the background tunnel did not come back within %v", reconnectBudget)
	}
	t.Logf("background tunnel back %v after the fault", time.Since(fault).Round(time.Millisecond))
}

// TestReconnectSessionsAndEnd: --sessions lists a tunnel with role
// tunnel and follows it to its new connection after a loss; --end ends
// the tunnel (exit 255, its one line) instead of making it reconnect.
func TestReconnectSessionsAndEnd(t *testing.T) {
	env := registryEnv(t)
	t.Setenv("XDG_RUNTIME_DIR", strings.TrimPrefix(env[0], "XDG_RUNTIME_DIR="))
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r := startTunnel(t, s, "-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port))
	waitBanner(t, r, addr, 20*time.Second)
	pid := r.cmd.Process.Pid
	waitSessions(t, env, 5*time.Second, "the tunnel", func(rows []sessionRow) bool {
		row := rowByPID(rows, pid)
		return row != nil && row.Role == "tunnel" && row.ReplyAgeSeconds >= 0
	})
	fault := time.Now()
	killSessions(t, s.SessionPIDs())
	waitBanner(t, r, addr, reconnectBudget)
	rows := waitSessions(t, env, 5*time.Second, "the new connection's replies", func(rows []sessionRow) bool {
		row := rowByPID(rows, pid)
		return row != nil && row.LastReply.After(fault) && row.State == "ok"
	})
	asked := time.Now()
	end := runClient(t, gsshBin, nil, env, "--end", rowByPID(rows, pid).ID)
	if end.code != 0 || !strings.Contains(end.stdout, " ended (pid ") {
		t.Fatalf("--end: exit %d stdout %q stderr %q", end.code, end.stdout, end.stderr)
	}
	code, ended := r.wait(t, 5*time.Second)
	// The tunnel itself stops at once, rather than being made to exit
	// by --end's 1.5 s grace while it reconnects.
	if took := ended.Sub(asked); took > time.Second {
		t.Errorf("the tunnel exited %v after --end, want at once", took.Round(time.Millisecond))
	}
	lines := tunnelLines(r)
	if code != 255 || len(lines) != 2 || !strings.Contains(lines[0], "reconnecting in") ||
		lines[1] != "Connection to 127.0.0.1 closed by gssh --end." {
		t.Fatalf("exit %d stderr %q; want 255, the loss line and --end's", code, r.stderr.String())
	}
}
