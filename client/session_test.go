//go:build unix

package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/sshdtest"
)

// testTimeout bounds every wait on the server; it is a failure deadline,
// never a synchronisation sleep.
const testTimeout = 30 * time.Second

// sessionConn logs in to s as user with the harness key and wraps the
// client in a Conn whose Config holds ssh's defaults plus edit's changes.
func sessionConn(t *testing.T, s *sshdtest.Server, user string, edit func(*config.Config)) *client.Conn {
	t.Helper()
	pem, err := os.ReadFile(s.UserKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey),
		Timeout:         testTimeout,
	})
	if err != nil {
		t.Fatalf("dial %s as %s: %v", s.Addr(), user, err)
	}
	t.Cleanup(func() { c.Close() })
	cfg := &config.Config{
		Host: "sshd", HostName: s.Host, Port: s.Port, User: user,
		RequestTTY: config.RequestTTYAuto, SessionType: "default", EscapeChar: '~',
	}
	if edit != nil {
		edit(cfg)
	}
	return &client.Conn{Client: c, Config: cfg}
}

// outBuf is a concurrency-safe writer that tests can wait on.
type outBuf struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newOutBuf() *outBuf { return &outBuf{changed: make(chan struct{}, 1)} }

func (o *outBuf) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return o.b.Write(p)
}

func (o *outBuf) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// waitFor blocks until the output satisfies cond.
func (o *outBuf) waitFor(t *testing.T, what string, cond func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(testTimeout)
	defer deadline.Stop()
	for {
		if s := o.String(); cond(s) {
			return s
		}
		select {
		case <-o.changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; output so far: %q", what, o.String())
		}
	}
}

func (o *outBuf) waitForText(t *testing.T, text string) {
	t.Helper()
	o.waitFor(t, "text "+text, func(s string) bool { return strings.Contains(s, text) })
}

type runResult struct {
	status int
	err    error
}

// startRun runs the session in the background.
func startRun(ctx context.Context, conn *client.Conn, opts client.SessionOptions, st client.Streams, log *sshlog.Logger) <-chan runResult {
	done := make(chan runResult, 1)
	go func() {
		status, err := conn.Run(ctx, opts, st, log)
		done <- runResult{status, err}
	}()
	return done
}

func waitRun(t *testing.T, done <-chan runResult) runResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(testTimeout):
		t.Fatal("Run did not return")
		return runResult{}
	}
}

func TestRunCatAndExitStatus(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", nil)
	var stdout, stderr bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "cat; exit 7"},
		client.Streams{Stdin: strings.NewReader("data\nmore"), Stdout: &stdout, Stderr: &stderr}, nil)
	if err != nil || status != 7 {
		t.Fatalf("Run = %d, %v; want 7, nil", status, err)
	}
	if stdout.String() != "data\nmore" || stderr.Len() != 0 {
		t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

func TestRunExitStatusIsModulo256(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", nil)
	// The shell truncates; sshd reports what it got, ssh exits with n&255.
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "exit 300"}, client.Streams{}, nil)
	if err != nil || status != 44 {
		t.Fatalf("Run = %d, %v; want 44, nil", status, err)
	}
}

// TestRunLargeStreamIntact sends 64 MiB through cat and checks the echo
// byte for byte by hash, so window handling and EOF ordering lose nothing.
func TestRunLargeStreamIntact(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", nil)
	const size = 64 << 20
	sent := sha256.New()
	in := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{1, 2, 3}), size), sent)
	got := sha256.New()
	counter := &countWriter{w: got}
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "cat"},
		client.Streams{Stdin: in, Stdout: counter}, nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if counter.n != size || !bytes.Equal(sent.Sum(nil), got.Sum(nil)) {
		t.Fatalf("received %d bytes, hash match %v; want %d identical bytes",
			counter.n, bytes.Equal(sent.Sum(nil), got.Sum(nil)), size)
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}

func TestRunKeepsStdoutAndStderrApart(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", nil)
	var stdout, stderr bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "echo out; echo err >&2; echo out2"},
		client.Streams{Stdout: &stdout, Stderr: &stderr}, nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if stdout.String() != "out\nout2\n" || stderr.String() != "err\n" {
		t.Fatalf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

// TestRunRemoteSignal: a command killed by a signal makes ssh exit 255 and
// print nothing (not 128+n as x/crypto reports).
func TestRunRemoteSignal(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, sshdtest.TestUser, nil)
	var logged bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "kill -TERM $$"},
		client.Streams{}, sshlog.New(&logged, config.LogInfo))
	var sigErr *client.RemoteSignalError
	if status != 255 || !errors.As(err, &sigErr) || sigErr.Signal != "TERM" {
		t.Fatalf("Run = %d, %v; want 255, RemoteSignalError TERM", status, err)
	}
	if logged.Len() != 0 {
		t.Fatalf("printed %q; ssh prints nothing", logged.String())
	}
}

// TestRunConnectionLost kills the connection's sshd mid-command. With a
// pty ssh adds its usual farewell after the loss message.
func TestRunConnectionLost(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, tc := range []struct {
		requestTTY config.RequestTTY
		wantLog    string
	}{
		{config.RequestTTYAuto, "Connection to 127.0.0.1 closed by remote host.\r\n"},
		{config.RequestTTYForce, "Connection to 127.0.0.1 closed by remote host.\r\nConnection to 127.0.0.1 closed.\r\n"},
	} {
		conn := sessionConn(t, s, "root", func(c *config.Config) { c.RequestTTY = tc.requestTTY })
		stdout := newOutBuf()
		var logged bytes.Buffer
		stdinR, stdinW := io.Pipe()
		defer stdinW.Close()
		// At QUIET the loss is still reported; the farewell needs INFO.
		level := config.LogQuiet
		if tc.requestTTY == config.RequestTTYForce {
			level = config.LogInfo
		}
		done := startRun(context.Background(), conn, client.SessionOptions{Command: "echo started; cat"},
			client.Streams{Stdin: stdinR, Stdout: stdout}, sshlog.New(&logged, level))
		stdout.waitForText(t, "started")
		for _, pid := range s.SessionPIDs() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		r := waitRun(t, done)
		var lost *client.ConnectionLostError
		if r.status != 255 || !errors.As(r.err, &lost) || lost.Host != "127.0.0.1" {
			t.Fatalf("RequestTTY %s: Run = %d, %v; want 255, ConnectionLostError", tc.requestTTY, r.status, r.err)
		}
		if logged.String() != tc.wantLog {
			t.Fatalf("RequestTTY %s: printed %q, want %q", tc.requestTTY, logged.String(), tc.wantLog)
		}
	}
}

// TestRunCommandBytesLikeOpenSSH compares the remote output of a joined
// command line with what /usr/bin/ssh produces for the same words.
func TestRunCommandBytesLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", nil)
	words := []string{"printf", "'%s|'", "-a", "--b", "'c d'", "\"$HOME\""}
	want, err := exec.Command("/usr/bin/ssh", append([]string{"-F", s.ClientConfig, "sshd"}, words...)...).Output()
	if err != nil {
		t.Fatalf("/usr/bin/ssh: %v", err)
	}
	var got bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: strings.Join(words, " ")},
		client.Streams{Stdout: &got}, nil)
	if err != nil || status != 0 || got.String() != string(want) {
		t.Fatalf("Run = %d, %v, output %q; ssh printed %q", status, err, got.String(), want)
	}
}

func TestRunSendEnvAndSetEnv(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) {
		// LC_* is removed again by -LC_*; NOT_ACCEPTED is refused by
		// sshd's AcceptEnv, which must not fail the session.
		c.SendEnv = []string{"GSSH_*", "LC_*", "OTHER?", "-LC_*"}
		c.SetEnv = []string{"GSSH_SET=a b=c", "NOT_ACCEPTED=1"}
	})
	var stdout bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{
		Command: `echo "[$GSSH_ONE][$GSSH_TWO][$LC_GSSH][$OTHER1][$OTHER][$GSSH_SET][$NOT_ACCEPTED]"`,
		Environ: []string{"GSSH_ONE=1", "LC_GSSH=lc", "OTHER1=x", "OTHER=y", "GSSH_TWO=two words"},
	}, client.Streams{Stdout: &stdout}, nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	// OTHER1 matches the pattern but sshd does not accept it.
	if want := "[1][two words][][][][a b=c][]\n"; stdout.String() != want {
		t.Fatalf("remote saw %q, want %q", stdout.String(), want)
	}
}

// TestRunSubsystemSFTP starts internal-sftp and speaks SSH_FXP_INIT.
func TestRunSubsystemSFTP(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.SessionType = "subsystem" })
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	done := startRun(context.Background(), conn, client.SessionOptions{Command: "sftp"},
		client.Streams{Stdin: stdinR, Stdout: stdoutW}, nil)
	// uint32 length 5, SSH_FXP_INIT (1), version 3.
	if _, err := stdinW.Write([]byte{0, 0, 0, 5, 1, 0, 0, 0, 3}); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 9)
	if _, err := io.ReadFull(stdoutR, head); err != nil {
		t.Fatal(err)
	}
	length := binary.BigEndian.Uint32(head)
	if head[4] != 2 || binary.BigEndian.Uint32(head[5:]) != 3 || length < 5 {
		t.Fatalf("reply %x is not SSH_FXP_VERSION 3", head)
	}
	go io.Copy(io.Discard, stdoutR) // extensions, then EOF
	stdinW.Close()                  // EOF ends the sftp server
	if r := waitRun(t, done); r.err != nil || r.status != 0 {
		t.Fatalf("Run = %d, %v", r.status, r.err)
	}
}

func TestRunUnknownSubsystemFails(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.SessionType = "subsystem" })
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "nosuch"}, client.Streams{}, nil)
	var failed *client.RequestFailedError
	if status != 255 || !errors.As(err, &failed) || err.Error() != "subsystem request failed on channel 0" {
		t.Fatalf("Run = %d, %v; want 255, subsystem request failed", status, err)
	}
}

func TestRunRemoteCommandFromConfig(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.RemoteCommand = "echo from-config" })
	for _, tc := range []struct{ command, want string }{
		{"", "from-config\n"},
		{"echo from-command-line", "from-command-line\n"}, // the command line wins
	} {
		var stdout bytes.Buffer
		status, err := conn.Run(context.Background(), client.SessionOptions{Command: tc.command}, client.Streams{Stdout: &stdout}, nil)
		if err != nil || status != 0 || stdout.String() != tc.want {
			t.Errorf("command %q: Run = %d, %v, output %q; want %q", tc.command, status, err, stdout.String(), tc.want)
		}
	}
}

func TestRunStdinNull(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.StdinNull = true })
	stdinR, stdinW := io.Pipe() // never written: -n must not wait for it
	defer stdinW.Close()
	var stdout bytes.Buffer
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: "cat; echo end"},
		client.Streams{Stdin: stdinR, Stdout: &stdout}, nil)
	if err != nil || status != 0 || stdout.String() != "end\n" {
		t.Fatalf("Run = %d, %v, output %q", status, err, stdout.String())
	}
}

// TestRunNoSession is -N: no channel, Run returns when the connection
// dies or the context ends.
func TestRunNoSession(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	none := func(c *config.Config) { c.SessionType = "none" }

	ctx, cancel := context.WithCancel(context.Background())
	done := startRun(ctx, sessionConn(t, s, "root", none), client.SessionOptions{}, client.Streams{}, nil)
	cancel()
	if r := waitRun(t, done); r.status != 255 || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("after cancel: Run = %d, %v", r.status, r.err)
	}

	conn := sessionConn(t, s, "root", none)
	var logged bytes.Buffer
	done = startRun(context.Background(), conn, client.SessionOptions{}, client.Streams{}, sshlog.New(&logged, config.LogInfo))
	for _, pid := range s.SessionPIDs() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	r := waitRun(t, done)
	var lost *client.ConnectionLostError
	if r.status != 255 || !errors.As(r.err, &lost) {
		t.Fatalf("after kill: Run = %d, %v; want ConnectionLostError", r.status, r.err)
	}
	if !strings.Contains(logged.String(), "Connection to 127.0.0.1 closed by remote host.\r\n") {
		t.Fatalf("printed %q", logged.String())
	}
}

// TestRunPTYRefusedForPipedStdin: -t with stdin not a terminal gives ssh's
// notice and no pty; -tt forces one and ends with "Connection to H closed.".
func TestRunPTYRefusedForPipedStdin(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, tc := range []struct {
		requestTTY       config.RequestTTY
		wantOut, wantLog string
		wantStatus       int
	}{
		{config.RequestTTYYes, "not a tty\n", "Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n", 1},
		{config.RequestTTYForce, "/dev/pts/", "Connection to 127.0.0.1 closed.\r\n", 0},
		{config.RequestTTYAuto, "not a tty\n", "", 1},
	} {
		conn := sessionConn(t, s, "root", func(c *config.Config) { c.RequestTTY = tc.requestTTY })
		var stdout, logged bytes.Buffer
		status, err := conn.Run(context.Background(), client.SessionOptions{Command: "tty"},
			client.Streams{Stdin: strings.NewReader(""), Stdout: &stdout}, sshlog.New(&logged, config.LogInfo))
		if err != nil || status != tc.wantStatus || !strings.HasPrefix(stdout.String(), tc.wantOut) || logged.String() != tc.wantLog {
			t.Errorf("RequestTTY %s: Run = %d, %v, output %q, log %q; want %d, %q, %q",
				tc.requestTTY, status, err, stdout.String(), logged.String(), tc.wantStatus, tc.wantOut, tc.wantLog)
		}
	}
}
