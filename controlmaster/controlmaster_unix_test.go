//go:build unix

package controlmaster_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/controlmaster"
	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
	"github.com/gssh/gssh/mux"
)

// socketDir is a short directory for control sockets, whose paths
// (plus the master's 17-byte temporary suffix) must fit sun_path.
func socketDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// resolve is the configuration of host in file, with the command line's
// options.
func resolve(t *testing.T, file, host string, options ...string) *config.Config {
	t.Helper()
	cfg, err := config.Resolve(config.Request{Host: host, ConfigFile: file, Options: options})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startMaster connects with cfg and makes this process the foreground
// master on it; Finish runs when the test ends.
func startMaster(t *testing.T, cfg *config.Config, log *sshlog.Logger) *controlmaster.Master {
	t.Helper()
	conn, err := client.Dial(context.Background(), cfg, client.DialOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	m, err := controlmaster.Start(controlmaster.Options{Config: cfg, Log: log, Conn: conn})
	if err != nil || m == nil {
		t.Fatalf("Start: %v, %v", m, err)
	}
	t.Cleanup(m.Finish)
	return m
}

// passengerStreams are a passenger's stdio as files: stdin on /dev/null,
// stdout and stderr pipes whose contents out returns once the session
// has ended.
func passengerStreams(t *testing.T) (client.Streams, func() (stdout, stderr string)) {
	t.Helper()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })
	or, ow, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	read := func(r *os.File) <-chan string {
		c := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(r)
			r.Close()
			c <- string(b)
		}()
		return c
	}
	outc, errc := read(or), read(er)
	return client.Streams{Stdin: null, Stdout: ow, Stderr: ew}, func() (string, string) {
		ow.Close()
		ew.Close()
		return <-outc, <-errc
	}
}

// TestForegroundMasterAgainstSSHD: a foreground master on a real sshd
// answers -O check with its pid and -O conninfo with its connection,
// runs a passenger's command with its output and exit status, and ends
// on -O exit, after which the socket is gone and a passenger connects
// directly.
func TestForegroundMasterAgainstSSHD(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(socketDir(t), "ctl")
	var logs testenv.Buffer
	log := sshlog.New(&logs, config.LogInfo)
	startMaster(t, resolve(t, s.ClientConfig, "sshd", "ControlMaster yes", "ControlPath "+sock), log)

	passengerOpts := func(options ...string) controlmaster.Options {
		return controlmaster.Options{
			Config: resolve(t, s.ClientConfig, "sshd", append([]string{"ControlPath " + sock}, options...)...),
			Log:    log, Stderr: &logs,
		}
	}
	check := passengerOpts()
	check.ControlCommand = "check"
	if reply, err := controlmaster.Command(check); err != nil || reply.PID != os.Getpid() {
		t.Fatalf("-O check: %+v, %v; want pid %d", reply, err, os.Getpid())
	}
	info := passengerOpts()
	info.ControlCommand = "conninfo"
	if reply, err := controlmaster.Command(info); err != nil || !strings.HasPrefix(reply.Output, fmt.Sprintf("Connection to %s port %d", s.Host, s.Port)) {
		t.Fatalf("-O conninfo: %q, %v", reply.Output, err)
	}

	p := passengerOpts()
	streams, out := passengerStreams(t)
	p.Streams, p.Command = streams, "echo shared; echo err >&2; exit 3"
	status, err := controlmaster.Run(context.Background(), p)
	stdout, stderr := out()
	if err != nil || status != 3 || stdout != "shared\n" || stderr != "err\n" {
		t.Fatalf("passenger: status %d, %v, stdout %q, stderr %q; log:\n%s", status, err, stdout, stderr, logs.String())
	}

	exit := passengerOpts()
	exit.ControlCommand = "exit"
	if _, err := controlmaster.Command(exit); err != nil {
		t.Fatalf("-O exit: %v", err)
	}
	if !eventually(10*time.Second, func() bool { _, err := os.Lstat(sock); return err != nil }) {
		t.Fatal("the master still has its socket after -O exit")
	}
	if _, err := controlmaster.Run(context.Background(), passengerOpts()); !errors.Is(err, controlmaster.ErrConnectDirectly) {
		t.Fatalf("passenger without a master: %v, want ErrConnectDirectly", err)
	}
}

// TestCommandErrors: -O without ControlPath, and with a socket nobody
// listens on, fail with ssh's messages; nothing is printed.
func TestCommandErrors(t *testing.T) {
	cfg := &config.Config{}
	if _, err := controlmaster.Command(controlmaster.Options{Config: cfg, ControlCommand: "check"}); !errors.Is(err, controlmaster.ErrNoControlPath) {
		t.Errorf("no ControlPath: %v", err)
	}
	cfg.ControlPath = filepath.Join(socketDir(t), "none")
	_, err := controlmaster.Command(controlmaster.Options{Config: cfg, ControlCommand: "check"})
	var request *controlmaster.RequestError
	want := fmt.Sprintf("Control socket connect(%s): No such file or directory", cfg.ControlPath)
	if !errors.As(err, &request) || request.Error() != want {
		t.Errorf("missing socket: %v, want a RequestError %q", err, want)
	}
}

// TestRunWithoutMaster: with no socket to use, a passenger connects
// directly, whether or not it is to become a foreground master; a
// ControlPath too long for the master's socket is ssh's unix_listener
// error before any connection.
func TestRunWithoutMaster(t *testing.T) {
	sock := filepath.Join(socketDir(t), "ctl")
	for _, cm := range []config.ControlMaster{config.ControlMasterNo, config.ControlMasterYes, config.ControlMasterAuto} {
		cfg := &config.Config{ControlPath: sock, ControlMaster: cm}
		if _, err := controlmaster.Run(context.Background(), controlmaster.Options{Config: cfg}); !errors.Is(err, controlmaster.ErrConnectDirectly) {
			t.Errorf("ControlMaster %s: %v, want ErrConnectDirectly", cm, err)
		}
	}
	long := "/tmp/" + strings.Repeat("x", mux.MaxPathLen-10)
	cfg := &config.Config{ControlPath: long, ControlMaster: config.ControlMasterAuto}
	var listen *mux.ListenPathError
	if _, err := controlmaster.Run(context.Background(), controlmaster.Options{Config: cfg}); !errors.As(err, &listen) {
		t.Errorf("long ControlPath: %v, want a *mux.ListenPathError", err)
	}
}

// TestSelfHealingSilentServer: a passenger asks a gssh master whose
// server has fallen silent to prove its connection; the master finds the
// server silent for its whole budget (BudgetFloor on loopback), the
// passenger retires it, removing its socket, and is told to connect
// directly. The SSH side is an in-memory server: only its silence
// matters.
func TestSelfHealingSilentServer(t *testing.T) {
	addr, key, freeze := faults.FreezableServer(t)
	host, port, _ := net.SplitHostPort(addr)
	dir := socketDir(t)
	known := filepath.Join(dir, "known_hosts")
	line := fmt.Sprintf("[%s]:%s %s", host, port, ssh.MarshalAuthorizedKey(key))
	if err := os.WriteFile(known, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config")
	text := fmt.Sprintf("Host silent\n\tHostName %s\n\tPort %s\n\tUser nobody\n\tUserKnownHostsFile %s\n"+
		"\tGlobalKnownHostsFile /dev/null\n\tStrictHostKeyChecking yes\n\tBatchMode yes\n\tIdentityAgent none\n"+
		"\tPubkeyAuthentication no\n\tControlPath %s\n", host, port, known, filepath.Join(dir, "ctl"))
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs testenv.Buffer
	log := sshlog.New(&logs, config.LogVerbose)
	startMaster(t, resolve(t, file, "silent", "ControlMaster yes"), log)

	cfg := resolve(t, file, "silent")
	check := controlmaster.Options{Config: cfg, Log: log, ControlCommand: "check"}
	if _, err := controlmaster.Command(check); err != nil {
		t.Fatalf("-O check before the freeze: %v", err)
	}
	// The master's first round trip has been measured: its budget is
	// the floor from here on.
	time.Sleep(200 * time.Millisecond)
	freeze()
	streams, out := passengerStreams(t)
	start := time.Now()
	_, err := controlmaster.Run(context.Background(), controlmaster.Options{
		Config: cfg, Log: log, Stderr: &logs, Streams: streams, Command: "true",
	})
	took := time.Since(start)
	out()
	if !errors.Is(err, controlmaster.ErrConnectDirectly) {
		t.Fatalf("passenger of a silent master: %v, want ErrConnectDirectly; log:\n%s", err, logs.String())
	}
	if took < controlmaster.BudgetFloor || took > controlmaster.BudgetFloor+5*time.Second {
		t.Errorf("the master was retired after %v, want its budget %v", took, controlmaster.BudgetFloor)
	}
	if !strings.Contains(logs.String(), "is not responding") {
		t.Errorf("no word of the retirement at -v:\n%s", logs.String())
	}
	if _, err := os.Lstat(cfg.ControlPath); err == nil {
		t.Error("the retired master's socket is still there")
	}
}

// eventually polls cond every 20 ms until it holds or limit passes.
func eventually(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}
