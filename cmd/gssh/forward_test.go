//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// fwdPage is the body every forwarding test fetches; large enough to
// span many channel packets.
var fwdPage = bytes.Repeat([]byte("forwarded through gssh\n"), 20000)

// fwdHTTP starts a loopback HTTP server serving fwdPage.
func fwdHTTP(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(fwdPage)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fwdProc is a gssh running in the background for a forwarding test.
type fwdProc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (p *fwdProc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *fwdProc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// startFwd runs gssh with args and kills it when the test ends.
func startFwd(t *testing.T, args ...string) *fwdProc {
	t.Helper()
	return startFwdWith(t, gsshBin, args...)
}

// startFwdWith is startFwd for prog, gssh or ssh.
func startFwdWith(t *testing.T, prog string, args ...string) *fwdProc {
	t.Helper()
	p := &fwdProc{cmd: exec.Command(prog, args...), done: make(chan struct{})}
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor polls cond until it holds, failing after 15 seconds or when
// gssh exits first.
func (p *fwdProc) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("gssh exited while waiting for %s: %s", what, p.errText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stderr: %s", what, p.errText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDial waits until network/addr accepts connections.
func (p *fwdProc) waitDial(t *testing.T, network, addr string) {
	t.Helper()
	p.waitFor(t, network+" "+addr, func() bool {
		c, err := net.Dial(network, addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// freeLocalPort returns a loopback port that was free a moment ago.
func freeLocalPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// fetch GETs url through dial and returns the body.
func fetch(t *testing.T, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) []byte {
	t.Helper()
	tr := &http.Transport{DialContext: dial, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return body
}

func dialTo(network, addr string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// curl runs curl with args and returns stdout; the test is skipped
// without curl, except under CI.
func curl(t *testing.T, args ...string) []byte {
	t.Helper()
	requireTool(t, "curl")
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "20"}, args...)...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("curl %q: %v %s", args, err, stderr)
	}
	return out
}

func TestLocalForwardHTTP(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webAddr := web.Listener.Addr().String()
	port := freeLocalPort(t)
	p := startFwd(t, "-F", s.ClientConfig, "-N", "-L", fmt.Sprintf("%d:%s", port, webAddr), "sshd")
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.waitDial(t, "tcp", local)
	if got := fetch(t, "http://"+local+"/", dialTo("tcp", local)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-L: got %d bytes, want the %d of the page", len(got), len(fwdPage))
	}
	if got := curl(t, "http://"+local+"/"); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-L with curl: got %d bytes, want %d", len(got), len(fwdPage))
	}
}

// TestLocalForwardIPv6Bracketed uses the bracketed IPv6 form on the
// listening side, when the machine has ::1.
func TestLocalForwardIPv6Bracketed(t *testing.T) {
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		testenv.SkipOrFail(t, "no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	port := freeLocalPort(t)
	p := startFwd(t, "-F", s.ClientConfig, "-N", "-L", fmt.Sprintf("[::1]:%d:127.0.0.1:%d", port, webPort), "sshd")
	local := net.JoinHostPort("::1", strconv.Itoa(port))
	p.waitDial(t, "tcp", local)
	if got := fetch(t, "http://"+local+"/", dialTo("tcp", local)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-L [::1]: got %d bytes, want %d", len(got), len(fwdPage))
	}
}

// allocated is ssh's message for -R 0:...
var allocated = regexp.MustCompile(`Allocated port (\d+) for remote forward to (\S+)\r\n`)

func TestRemoteForwardAllocatedPort(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webAddr := web.Listener.Addr().String()
	p := startFwd(t, "-F", s.ClientConfig, "-N", "-R", "0:"+webAddr, "sshd")
	var m []string
	p.waitFor(t, "the allocated port", func() bool {
		m = allocated.FindStringSubmatch(p.errText())
		return m != nil
	})
	if m[2] != webAddr {
		t.Errorf("allocated message names %q, want %q", m[2], webAddr)
	}
	remote := net.JoinHostPort("127.0.0.1", m[1])
	if got := fetch(t, "http://"+remote+"/", dialTo("tcp", remote)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-R 0: got %d bytes, want %d", len(got), len(fwdPage))
	}
}

// TestRemoteForwardMessageMatchesOpenSSH compares the allocation line
// with ssh's, port number aside.
func TestRemoteForwardMessageMatchesOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	args := []string{"-F", s.ClientConfig, "-R", "0:localhost:80", "-R", "0", "-R", "0:[::1]:81", "sshd", "true"}
	norm := func(s string) string { return regexp.MustCompile(`port \d+`).ReplaceAllString(s, "port N") }
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	got := gssh(t, nil, args...)
	if norm(got.stderr) != norm(want.stderr) || got.code != want.code {
		t.Fatalf("gssh: %q exit %d\n ssh: %q exit %d", got.stderr, got.code, want.stderr, want.code)
	}
}

func TestDynamicForwardSocks(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	port := freeLocalPort(t)
	p := startFwd(t, "-F", s.ClientConfig, "-N", "-D", strconv.Itoa(port), "sshd")
	proxy := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.waitDial(t, "tcp", proxy)
	url := fmt.Sprintf("http://localhost:%d/", webPort)
	for _, mode := range []string{"--socks5-hostname", "--socks4a", "--socks5", "--socks4"} {
		if got := curl(t, mode, proxy, url); !bytes.Equal(got, fwdPage) {
			t.Errorf("-D with curl %s: got %d bytes, want %d", mode, len(got), len(fwdPage))
		}
	}
}

// TestRemoteDynamicForward is -R with only a port: the SOCKS server runs
// in gssh and connects from the client side.
func TestRemoteDynamicForward(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webPort := web.Listener.Addr().(*net.TCPAddr).Port
	p := startFwd(t, "-F", s.ClientConfig, "-N", "-R", "0", "sshd")
	var m []string
	p.waitFor(t, "the allocated port", func() bool {
		m = allocated.FindStringSubmatch(p.errText())
		return m != nil
	})
	proxy := net.JoinHostPort("127.0.0.1", m[1])
	if got := curl(t, "--socks5-hostname", proxy, fmt.Sprintf("http://localhost:%d/", webPort)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("-R dynamic: got %d bytes, want %d", len(got), len(fwdPage))
	}
}

// TestUnixSocketForwards covers a Unix socket on each side of -L and -R:
// listening on a path, and connecting to one.
func TestUnixSocketForwards(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	// A web server on a Unix socket, for the connecting side.
	webSock := filepath.Join(dir, "web.sock")
	l, err := net.Listen("unix", webSock)
	if err != nil {
		t.Fatal(err)
	}
	web := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(fwdPage)
	})}}
	web.Start()
	defer web.Close()

	localSock := filepath.Join(dir, "L.sock")
	remoteSock := filepath.Join(dir, "R.sock")
	localPort := freeLocalPort(t)
	p := startFwd(t, "-F", s.ClientConfig, "-N",
		"-L", localSock+":"+webSock, // path to path
		"-L", fmt.Sprintf("%d:%s", localPort, webSock), // port to path
		"-R", remoteSock+":"+webSock, // remote path to path
		"sshd")
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(localPort))
	for _, target := range []struct{ network, addr string }{
		{"unix", localSock}, {"tcp", local}, {"unix", remoteSock},
	} {
		p.waitDial(t, target.network, target.addr)
		if got := fetch(t, "http://forward/", dialTo(target.network, target.addr)); !bytes.Equal(got, fwdPage) {
			t.Errorf("through %s %s: got %d bytes, want %d", target.network, target.addr, len(got), len(fwdPage))
		}
	}
	fi, err := os.Stat(localSock)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("local socket mode %o, want 600 (StreamLocalBindMask 0177)", mode)
	}
}

// TestExitOnForwardFailure: with the port taken, gssh prints ssh's three
// lines and exits 255 without running the command.
func TestExitOnForwardFailure(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	for _, spec := range []string{
		fmt.Sprintf("-L127.0.0.1:%d:localhost:22", port),
		fmt.Sprintf("-D127.0.0.1:%d", port),
		"-R127.0.0.1:" + strconv.Itoa(s.Port) + ":localhost:80", // sshd's own port
	} {
		args := []string{"-F", s.ClientConfig, "-o", "ExitOnForwardFailure=yes", spec, "sshd", "echo ran"}
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		got := gssh(t, nil, args...)
		if got != want || got.code != 255 || got.stdout != "" {
			t.Errorf("%s:\n gssh %+v\n  ssh %+v", spec, got, want)
		}
	}
	// Without ExitOnForwardFailure the same messages are warnings.
	args := []string{"-F", s.ClientConfig, fmt.Sprintf("-L127.0.0.1:%d:localhost:22", port), "sshd", "echo ran"}
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	if got := gssh(t, nil, args...); got != want {
		t.Errorf("without ExitOnForwardFailure:\n gssh %+v\n  ssh %+v", got, want)
	}
}

// TestClearAllForwardings: no listener is opened.
func TestClearAllForwardings(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	port := freeLocalPort(t)
	r := gssh(t, nil, "-F", s.ClientConfig, "-o", "ClearAllForwardings=yes",
		"-L", fmt.Sprintf("%d:127.0.0.1:%d", port, s.Port), "sshd",
		fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo open || echo closed", port))
	if r.code != 0 || strings.TrimSpace(r.stdout) != "closed" {
		t.Fatalf("got %+v, want the port closed", r)
	}
}

func TestStdioForward(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, strings.NewReader(""), "-F", s.ClientConfig, "-W", s.Addr(), "sshd")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "SSH-2.0-OpenSSH") {
		t.Fatalf("-W to sshd: %+v, want its banner", r)
	}
	args := []string{"-F", s.ClientConfig, "-W", "127.0.0.1:1", "sshd"}
	want := runClient(t, "/usr/bin/ssh", strings.NewReader(""), nil, args...)
	if got := gssh(t, strings.NewReader(""), args...); got != want {
		t.Fatalf("-W refused:\n gssh %+v\n  ssh %+v", got, want)
	}
}

func TestProxyCommandThroughStdioForward(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	proxy := fmt.Sprintf("ProxyCommand=%s -F %s -W %%h:%%p sshd", gsshBin, s.ClientConfig)
	r := gssh(t, nil, "-F", s.ClientConfig, "-o", proxy, "sshd", "echo via proxy")
	if r.code != 0 || r.stdout != "via proxy\n" {
		t.Fatalf("ProxyCommand: %+v", r)
	}
	// A proxy that exits looks like a server that closed. It exits after
	// the client's first byte: one that exits at once races the client's
	// banner write, and ssh itself then says either "Broken pipe" or
	// "Connection closed by remote host", whichever came first.
	args := []string{"-F", s.ClientConfig, "-o", "ProxyCommand=head -c 1 >/dev/null", "sshd", "true"}
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	if got := gssh(t, nil, args...); got != want {
		t.Fatalf("failing ProxyCommand:\n gssh %+v\n  ssh %+v", got, want)
	}
}

func TestJumpTwoHops(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, nil, "-F", s.ClientConfig, "-J", "sshd,sshd-user", "sshd", "echo two hops")
	if r.code != 0 || r.stdout != "two hops\n" {
		t.Fatalf("-J sshd,sshd-user: %+v", r)
	}
	// ProxyJump from the configuration, with user@host:port hops.
	r = gssh(t, nil, "-F", s.ClientConfig, "-o", fmt.Sprintf("ProxyJump=sshd,%s@sshd:%d", sshdtest.TestUser, s.Port),
		"-o", "User=root", "sshd", "echo config hops")
	if r.code != 0 || r.stdout != "config hops\n" {
		t.Fatalf("ProxyJump in -o: %+v", r)
	}
	// "none" turns a configured ProxyJump off.
	r = gssh(t, nil, "-F", s.ClientConfig, "-J", "none", "sshd", "echo direct")
	if r.code != 0 || r.stdout != "direct\n" {
		t.Fatalf("-J none: %+v", r)
	}
}

// TestJumpWrongHostKeySecondHop: the second hop checks its own known
// hosts file and fails the way a separate ssh would, followed by the
// line pair of the ssh above it.
func TestJumpWrongHostKeySecondHop(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	other := sshdtest.Start(t, sshdtest.Options{})
	wrong := filepath.Join(t.TempDir(), "known_hosts")
	// The other server's key, filed under this server's name.
	line := strings.Replace(other.KnownHostsLine(), fmt.Sprintf("[127.0.0.1]:%d", other.Port), fmt.Sprintf("[127.0.0.1]:%d", s.Port), 1)
	if err := os.WriteFile(wrong, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	text := fmt.Sprintf("Host badhop\n\tUserKnownHostsFile %s\n", wrong) + s.ClientConfigText() +
		fmt.Sprintf("Host badhop\n\tHostName 127.0.0.1\n\tPort %d\n\tUser root\n\tIdentityFile %s\n\tIdentityAgent none\n\tGlobalKnownHostsFile /dev/null\n\tStrictHostKeyChecking yes\n\tBatchMode yes\n", s.Port, s.UserKey)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-F", cfg, "-J", "sshd,badhop", "sshd", "echo should not run"}
	got := gssh(t, nil, args...)
	if got.code != 255 || !strings.Contains(got.stderr, "Host key verification failed.") || got.stdout != "" {
		t.Fatalf("wrong key on the second hop: %+v", got)
	}
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	if got != want {
		t.Errorf("differs from ssh:\n gssh %q\n  ssh %q", got.stderr, want.stderr)
	}
}

func TestAgentForwarding(t *testing.T) {
	requireTool(t, "ssh-agent")
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		agent.Process.Kill()
		agent.Wait()
	}()
	env := []string{"SSH_AUTH_SOCK=" + sock}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ssh-agent did not create its socket")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := (&exec.Cmd{Path: mustLook(t, "ssh-add"), Args: []string{"ssh-add", s.UserKey}, Env: append(os.Environ(), env...)}).CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v %s", err, out)
	}
	fp, err := exec.Command("ssh-keygen", "-lf", s.UserKey+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	wantFP := strings.Fields(string(fp))[1]
	for _, opts := range [][]string{
		{"-A", "-o", "IdentityAgent=" + sock},
		{"-o", "ForwardAgent=" + sock},
		{"-o", "ForwardAgent=$GSSH_TEST_AGENT"},
	} {
		args := append(append([]string{"-F", s.ClientConfig}, opts...), "sshd", "ssh-add -l")
		r := runClient(t, gsshBin, nil, []string{"GSSH_TEST_AGENT=" + sock}, args...)
		if r.code != 0 || !strings.Contains(r.stdout, wantFP) {
			t.Errorf("%q: %+v, want the key %s listed", opts, r, wantFP)
		}
	}
	// An unreachable agent is reported and the session goes on.
	r := gssh(t, nil, "-F", s.ClientConfig, "-o", "ForwardAgent="+sock+".missing", "sshd", "ssh-add -l; echo still here")
	if !strings.Contains(r.stdout, "still here") || !strings.Contains(r.stderr, "agent") {
		t.Errorf("missing agent: %+v", r)
	}
}

func mustLook(t *testing.T, name string) string {
	t.Helper()
	return testenv.LookPath(t, name)
}

// memoryBoundMiB is the documented ceiling (docs/forwarding.md) on
// gssh's peak RSS with 50 forwarded connections whose readers stall:
// x/crypto buffers up to a 2 MiB window per channel, so 50 × 2 MiB, plus
// half again for the garbage collector's slack and 32 MiB for the
// runtime and the connection (about 130 MiB is typical).
const memoryBoundMiB = 50*2*3/2 + 32

// TestLocalForwardMemoryBound: 50 connections through -L to a server
// that sends as fast as it can, to readers that stall. gssh's peak RSS
// must stay within memoryBoundMiB. The peak is read once every window is
// full — the worst point, after which gssh can take in no more — not
// after a fixed time that a loaded machine might not fill them in.
func TestLocalForwardMemoryBound(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	src, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var blocked blockedWriters
	go blocked.serve(src)
	port := freeLocalPort(t)
	p := startFwdWith(t, staticGssh(t), "-F", s.ClientConfig, "-N", "-L", fmt.Sprintf("%d:%s", port, src.Addr()), "sshd")
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.waitDial(t, "tcp", local)

	const conns = 50
	// A small receive buffer keeps the data in gssh, not in the kernel.
	// It is set before connecting: a buffer shrunk after the handshake is
	// smaller than the window already advertised, and the kernel drops
	// what overflows it, so the reads later stall in retransmission
	// back-off.
	smallBuffer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	var clients []net.Conn
	for i := 0; i < conns; i++ {
		c, err := smallBuffer.Dial("tcp", local)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	// Nobody reads until the sample: every byte the server writes stays
	// in the path, and gssh's windows are the part of it in gssh.
	if !eventually(60*time.Second, func() bool { return blocked.count() >= conns }) {
		t.Fatalf("after 60 s only %d of %d server writers are blocked: the windows never filled", blocked.count(), conns)
	}
	hwm := vmHWM(t, p.cmd.Process.Pid)
	t.Logf("peak RSS %d MiB with %d stalled connections, their windows full (%d MiB written by the server)", hwm>>20, conns, blocked.total()>>20)
	if hwm>>20 > memoryBoundMiB {
		t.Fatalf("peak RSS %d MiB, documented bound %d MiB", hwm>>20, memoryBoundMiB)
	}
	// Full windows are live data in gssh: a peak below nine tenths of
	// them means the sample came before the worst point and proves
	// nothing about it.
	if floor := int64(conns) * forwardWindow * 9 / 10; hwm < floor {
		t.Fatalf("peak RSS %d MiB is below the %d MiB that %d full windows hold: sampled before the worst point", hwm>>20, floor>>20, conns)
	}
	// The forwards still carry the server's bytes once read.
	want := bytes.Repeat([]byte{'x'}, 64<<10)
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("connection %d after the sample: %v, or not the server's bytes", i, err)
		}
	}
}

// blockedWriters is a server that writes to each connection as fast as
// it can and counts the connections whose writer is blocked: stalled for
// writerStall after having written more than a channel window, which a
// connection whose path has room does not do.
type blockedWriters struct {
	mu      sync.Mutex
	blocked map[net.Conn]bool
	written int64
}

// writerStall is how long a write must make no progress for its
// connection to count as blocked. With the readers stopped a full path
// never drains, so the stall only has to outlast a scheduling hiccup.
const writerStall = time.Second

// forwardWindow is x/crypto's receive window for a channel: gssh can hold
// no more than this per connection, and a writer that has not yet sent it
// cannot have filled gssh's part of the path.
const forwardWindow = 2 << 20

func (b *blockedWriters) serve(l net.Listener) {
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var sent int64
			for {
				c.SetWriteDeadline(time.Now().Add(writerStall))
				n, err := c.Write(chunk)
				sent += int64(n)
				b.mu.Lock()
				b.written += int64(n)
				if b.blocked == nil {
					b.blocked = map[net.Conn]bool{}
				}
				b.blocked[c] = errors.Is(err, os.ErrDeadlineExceeded) && n == 0 && sent > forwardWindow
				b.mu.Unlock()
				if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					return
				}
			}
		}()
	}
}

func (b *blockedWriters) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, blocked := range b.blocked {
		if blocked {
			n++
		}
	}
	return n
}

func (b *blockedWriters) total() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.written
}

// staticGssh is gssh as shipped, for measuring its memory: gsshBin
// itself, unless the tests run with -race and gsshBin carries the race
// detector, whose shadow memory multiplies the resident size.
func staticGssh(t *testing.T) string {
	t.Helper()
	if !sshdtest.RaceEnabled {
		return gsshBin
	}
	bin, err := sshdtest.BuildStatic(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// vmHWM is a process's peak resident set size in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}
