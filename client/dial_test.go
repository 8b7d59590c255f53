//go:build unix

package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/sshdtest"
)

// dialConfig is a Config for s as the current user with the server's user
// key, its known_hosts and strict checking: what Resolve would produce for
// the "sshd" alias of sshdtest's ssh_config, minus BatchMode.
func dialConfig(t *testing.T, s *sshdtest.Server) *config.Config {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{
		Host: "sshd", HostName: s.Host, Port: s.Port, User: u.Username,
		AddressFamily: "any", ConnectionAttempts: 1, TCPKeepAlive: true,
		IdentityFiles: []string{s.UserKey}, IdentityFilesSet: true,
		IdentitiesOnly: true, IdentityAgent: "none",
		PubkeyAuthentication: true, PasswordAuthentication: true,
		KbdInteractiveAuthentication: true, NumberOfPasswordPrompts: 3,
		StrictHostKeyChecking: "yes",
		UserKnownHostsFiles:   []string{s.KnownHosts},
		GlobalKnownHostsFiles: []string{"/dev/null"},
	}
}

// logBuf collects a Logger's output; safe to read while Dial runs.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLog() (*sshlog.Logger, *logBuf) {
	b := &logBuf{}
	return sshlog.New(b, config.LogInfo), b
}

// fakePrompter answers prompts from a script and records them. A nil
// answers slice fails the test on any prompt.
type fakePrompter struct {
	t       *testing.T
	mu      sync.Mutex
	answers []string
	prompts []string
	echo    []bool
}

func (f *fakePrompter) ask(prompt string, echo bool) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prompts = append(f.prompts, prompt)
	f.echo = append(f.echo, echo)
	if len(f.answers) == 0 {
		f.t.Errorf("unexpected prompt %q", prompt)
		return "", errors.New("no scripted answer")
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

func (f *fakePrompter) ReadPassword(prompt string) (string, error) { return f.ask(prompt, false) }
func (f *fakePrompter) ReadLine(prompt string) (string, error)     { return f.ask(prompt, true) }

func (f *fakePrompter) Prompts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.prompts...)
}

func dial(t *testing.T, cfg *config.Config, opts client.DialOptions) (*client.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, cfg, opts)
	if err == nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, err
}

// runEcho proves an authenticated connection can run a command.
func runEcho(t *testing.T, conn *client.Conn) {
	t.Helper()
	sess, err := conn.Client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	out, err := sess.Output("echo gssh-ok")
	if err != nil || string(out) != "gssh-ok\n" {
		t.Fatalf("echo: %v %q", err, out)
	}
}

// openSSH runs /usr/bin/ssh with no config file and returns its stderr
// byte for byte, the oracle for error texts. ssh's log functions end every
// line in "\r\n", terminal or not.
func openSSH(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/ssh", append([]string{"-F", "none"}, args...)...)
	cmd.Stdin = nil
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	return stderr.String()
}

// printed is what cmd/gssh prints for an error that ends the connection:
// its text and "\r\n", as ssh's fatal() would.
func printed(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + "\r\n"
}

func TestDialRunsCommand(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	log, logged := newLog()
	conn, err := dial(t, dialConfig(t, s), client.DialOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	if got := string(conn.Client.ClientVersion()); got != client.ClientVersion {
		t.Errorf("client version %q", got)
	}
	if conn.HostKeyUntrusted {
		t.Error("HostKeyUntrusted on a verified key")
	}
	if logged.String() != "" {
		t.Errorf("unexpected diagnostics: %q", logged)
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

func TestDialConnectionRefusedLikeOpenSSH(t *testing.T) {
	port := closedPort(t)
	cfg := &config.Config{HostName: "127.0.0.1", Port: port, User: "nobody", ConnectionAttempts: 1}
	_, err := dial(t, cfg, client.DialOptions{})
	var ce *client.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want *ConnectError", err, err)
	}
	want := openSSH(t, nil, "-p", strconv.Itoa(port), "127.0.0.1", "true")
	if printed(err) != want {
		t.Errorf("gssh:    %q\nOpenSSH: %q", err, want)
	}
}

func TestDialConnectionAttemptsRetries(t *testing.T) {
	port := closedPort(t)
	cfg := &config.Config{HostName: "127.0.0.1", Port: port, User: "nobody", ConnectionAttempts: 2}
	start := time.Now()
	_, err := dial(t, cfg, client.DialOptions{})
	var ce *client.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want *ConnectError", err, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("two attempts took %v, want the 1s pause between them", d)
	}
}

func TestDialUnknownHostnameLikeOpenSSH(t *testing.T) {
	cfg := &config.Config{HostName: "nonexistent-host.invalid", Port: 22, User: "nobody", ConnectionAttempts: 1}
	_, err := dial(t, cfg, client.DialOptions{})
	var re *client.ResolveError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v, want *ResolveError", err, err)
	}
	want := openSSH(t, nil, "nonexistent-host.invalid", "true")
	if printed(err) != want {
		t.Errorf("gssh:    %q\nOpenSSH: %q", err, want)
	}
}

// TestDialProxyNotSupported: ProxyJump needs DialOptions.ResolveJump,
// and ProxyUseFdpass is not implemented (proxy.go, jump.go).
func TestDialProxyNotSupported(t *testing.T) {
	for _, cfg := range []*config.Config{
		{HostName: "h", Port: 22, ProxyCommand: "nc %h %p", ProxyUseFdpass: true},
		{HostName: "h", Port: 22, ProxyJump: "jump"},
	} {
		_, err := client.Dial(context.Background(), cfg, client.DialOptions{})
		var ue *client.UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("got %T %v, want *UnsupportedError", err, err)
		}
	}
}

// silentListener accepts connections and never writes, like a server that
// hangs before its banner. accepted receives each connection.
func silentListener(t *testing.T) (port int, accepted <-chan net.Conn) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 4)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().(*net.TCPAddr).Port, ch
}

func TestDialConnectTimeoutDuringBannerLikeOpenSSH(t *testing.T) {
	port, _ := silentListener(t)
	cfg := &config.Config{HostName: "127.0.0.1", Port: port, User: "nobody", ConnectionAttempts: 1,
		ConnectTimeout: time.Second, StrictHostKeyChecking: "yes"}
	start := time.Now()
	_, err := dial(t, cfg, client.DialOptions{})
	elapsed := time.Since(start)
	var te *client.TimeoutError
	if !errors.As(err, &te) || !te.Banner {
		t.Fatalf("got %T %v, want *TimeoutError during banner", err, err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("took %v with ConnectTimeout 1s", elapsed)
	}
	want := openSSH(t, nil, "-o", "ConnectTimeout=1", "-p", strconv.Itoa(port), "127.0.0.1", "true")
	if printed(err) != want {
		t.Errorf("gssh:    %q\nOpenSSH: %q", err, want)
	}
}

// A server that drops the connection, before or after its version line,
// gets OpenSSH's words for it.
func TestDialServerClosesLikeOpenSSH(t *testing.T) {
	for _, tc := range []struct {
		name, send string
		wantBanner bool
	}{
		{"before the banner", "", true},
		{"after text lines that are not the banner", "hello\r\nthere\r\n", true},
		{"after the banner", "SSH-2.0-fake\r\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					go func() {
						// Read what the client sends, so that closing is
						// an orderly FIN rather than a reset.
						c.Write([]byte(tc.send))
						c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
						io.Copy(io.Discard, c)
						c.Close()
					}()
				}
			}()
			port := l.Addr().(*net.TCPAddr).Port
			cfg := &config.Config{HostName: "127.0.0.1", Port: port, User: "nobody", ConnectionAttempts: 1,
				StrictHostKeyChecking: "yes"}
			_, err = dial(t, cfg, client.DialOptions{})
			var ce *client.ClosedError
			if !errors.As(err, &ce) || ce.Reset || ce.Banner != tc.wantBanner {
				t.Fatalf("got %T %v, want *ClosedError with Banner %v", err, err, tc.wantBanner)
			}
			want := openSSH(t, nil, "-p", strconv.Itoa(port), "127.0.0.1", "true")
			if printed(err) != want {
				t.Errorf("gssh:    %q\nOpenSSH: %q", printed(err), want)
			}
		})
	}
}

// The server's pre-authentication banner is printed as sent: ssh writes it
// with fprintf, so its lines keep their plain "\n".
func TestDialBannerLikeOpenSSH(t *testing.T) {
	banner := filepath.Join(t.TempDir(), "banner")
	if err := os.WriteFile(banner, []byte("Authorized use only.\nSecond line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"Banner " + banner}})
	log, logged := newLog()
	conn, err := dial(t, dialConfig(t, s), client.DialOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	want := openSSH(t, nil, "-p", strconv.Itoa(s.Port), "-o", "UserKnownHostsFile="+s.KnownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-i", s.UserKey, s.Host, "true")
	if logged.String() != want || want != "Authorized use only.\nSecond line\n" {
		t.Errorf("gssh:    %q\nOpenSSH: %q", logged, want)
	}
}

func TestDialContextCancelAbortsStalledHandshake(t *testing.T) {
	port, accepted := silentListener(t)
	cfg := &config.Config{HostName: "127.0.0.1", Port: port, User: "nobody", ConnectionAttempts: 1}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := client.Dial(ctx, cfg, client.DialOptions{})
		done <- err
	}()
	<-accepted
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Dial did not return after cancel")
	}
}

// countingConn counts the bytes read through it.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestDialWrapConnSeesInboundBytes(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	var n atomic.Int64
	cfg := dialConfig(t, s)
	cfg.ConnectTimeout = 10 * time.Second
	conn, err := dial(t, cfg, client.DialOptions{WrapConn: func(c net.Conn) net.Conn { return countingConn{c, &n} }})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	if n.Load() == 0 {
		t.Error("the wrapped conn saw no inbound bytes")
	}
}

func TestDialNoDeadlineLeftAfterHandshake(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := dialConfig(t, s)
	cfg.ConnectTimeout = time.Second
	conn, err := dial(t, cfg, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := conn.Client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// Outlives ConnectTimeout: a deadline left on the socket would kill it.
	if out, err := sess.Output("sleep 1.5; echo alive"); err != nil || string(out) != "alive\n" {
		t.Fatalf("%v %q", err, out)
	}
}
