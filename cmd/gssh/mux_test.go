//go:build unix

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// sshBin is OpenSSH's client, the other party of the interop tests.
const sshBin = "/usr/bin/ssh"

var masterPID = regexp.MustCompile(`^Master running \(pid=(\d+)\)\r\n$`)

// muxDir is a short private directory for control sockets: t.TempDir's
// paths can exceed the 108-byte socket address limit.
func muxDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "gm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// alive reports whether pid is a live process: not gone and not a zombie
// (a daemonised master is not our child, so nobody may reap it). On
// Linux every thread counts: the main thread of a killed Go process can
// be a zombie while its other threads are still exiting, and until the
// last of them has, the process's descriptors (a master's listening
// socket) are still open and accept connections.
//
// ps says "no such process" only with exit status 1 and no output at
// all; anything else (ps missing, an option it rejects) fails the test,
// so that a broken ps cannot pass for a process that ended.
func alive(t *testing.T, pid int) bool {
	t.Helper()
	running, err := psRunning(pid)
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// psRunning is alive's look at pid through ps.
func psRunning(pid int) (bool, error) {
	args := []string{"-o", "stat=", "-p", strconv.Itoa(pid)}
	if runtime.GOOS == "linux" {
		args = append([]string{"-L"}, args...) // one line per thread
	}
	cmd := exec.Command("ps", args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && exitErr.ExitCode() == 1 && stdout.Len() == 0 && stderr.Len() == 0:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("ps %q: %w, stdout %q, stderr %q", args, err, stdout.String(), stderr.String())
	}
	for _, stat := range strings.Fields(stdout.String()) {
		if !strings.HasPrefix(stat, "Z") && !strings.HasPrefix(stat, "X") {
			return true, nil
		}
	}
	return false, nil
}

// TestPsRunning: the liveness check sees a running process, sees a
// reaped one as gone, and reports an error, not "gone", when ps itself
// cannot run.
func TestPsRunning(t *testing.T) {
	if running, err := psRunning(os.Getpid()); err != nil || !running {
		t.Fatalf("psRunning(self) = %v, %v; want true", running, err)
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := child.Process.Pid
	if running, err := psRunning(pid); err != nil || !running {
		t.Fatalf("psRunning(sleeping child) = %v, %v; want true", running, err)
	}
	child.Process.Kill()
	child.Wait()
	if running, err := psRunning(pid); err != nil || running {
		t.Fatalf("psRunning(reaped child) = %v, %v; want false", running, err)
	}
	t.Setenv("PATH", t.TempDir())
	if running, err := psRunning(os.Getpid()); err == nil {
		t.Fatalf("psRunning without ps = %v, nil; want an error", running)
	}
}

// eventually polls cond for up to limit.
func eventually(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
	}
}

// checkMaster runs prog -O check and returns the master's pid, which it
// has seen running: a later check that the master is gone then means it
// ended, not that the pid was never a live process.
func checkMaster(t *testing.T, prog, cfg, sock string) int {
	t.Helper()
	r := runClient(t, prog, nil, nil, "-F", cfg, "-S", sock, "-O", "check", "sshd")
	m := masterPID.FindStringSubmatch(r.stderr)
	if r.code != 0 || m == nil {
		t.Fatalf("%s -O check: exit %d, stderr %q", prog, r.code, r.stderr)
	}
	pid, _ := strconv.Atoi(m[1])
	if !alive(t, pid) {
		t.Fatalf("%s -O check reports pid %d, which is not running", prog, pid)
	}
	return pid
}

// stopMaster is every master test's cleanup: -O exit, then SIGKILL by
// pid if the master is still there.
func stopMaster(t *testing.T, prog, cfg, sock string, pid int) {
	t.Cleanup(func() {
		exec.Command(prog, "-F", cfg, "-S", sock, "-O", "exit", "sshd").Run()
		if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
			t.Errorf("master %d still running after -O exit; killing it", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// startMasterWith starts a background master with prog (ssh or gssh) as
// `prog -F cfg -M -S sock -fN sshd` and returns its pid.
func startMasterWith(t *testing.T, prog string, s *sshdtest.Server, sock string, extra ...string) int {
	t.Helper()
	args := append([]string{"-F", s.ClientConfig, "-M", "-S", sock, "-fN"}, extra...)
	args = append(args, "sshd")
	// The master keeps stdout and stderr when it is OpenSSH's: give it a
	// file, not a pipe, or waiting for it would wait for the master.
	logf, err := os.Create(filepath.Join(filepath.Dir(sock), filepath.Base(prog)+"-master.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(logf.Name())
		t.Fatalf("%s %q: %v\n%s", prog, args, err, log)
	}
	pid := checkMaster(t, prog, s.ClientConfig, sock)
	stopMaster(t, prog, s.ClientConfig, sock, pid)
	return pid
}

// logins counts the connections sshd authenticated.
func logins(t *testing.T, s *sshdtest.Server) int {
	t.Helper()
	return strings.Count(readFile(t, s.LogFile), "Accepted publickey")
}

// TestMuxPassengerOfOpenSSHMaster: gssh as the client of an OpenSSH
// master — a command with stdin and exit status, stdout and stderr kept
// apart, -O check and -O exit — over the master's one connection.
func TestMuxPassengerOfOpenSSHMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, sshBin, s, sock)

	r := gssh(t, strings.NewReader("line1\nline2\n"), "-F", s.ClientConfig, "-S", sock, "sshd", "cat; echo err >&2; exit 7")
	if r.stdout != "line1\nline2\n" || r.stderr != "err\n" || r.code != 7 {
		t.Fatalf("got stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
	if got := checkMaster(t, gsshBin, s.ClientConfig, sock); got != pid {
		t.Errorf("gssh -O check says pid %d, ssh says %d", got, pid)
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1 (the master's)", n)
	}
	r = gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-O", "exit", "sshd")
	if r.code != 0 || r.stderr != "Exit request sent.\r\n" {
		t.Fatalf("-O exit: exit %d stderr %q", r.code, r.stderr)
	}
	if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
		t.Fatalf("OpenSSH master %d still running after gssh -O exit", pid)
	}
}

// TestMuxControlErrors compares -O failures and ControlPath limits with
// OpenSSH byte for byte.
func TestMuxControlErrors(t *testing.T) {
	dir := muxDir(t)
	long := "/tmp/" + strings.Repeat("x", 110)
	stale := filepath.Join(dir, "stale")
	ln, err := netListenUnix(stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // leaves the socket file with nobody listening
	for _, args := range [][]string{
		{"-S", filepath.Join(dir, "none"), "-O", "check", "x"},
		{"-S", filepath.Join(dir, "none"), "-O", "exit", "x"},
		{"-S", filepath.Join(dir, "none"), "-O", "stop", "x"},
		{"-S", filepath.Join(dir, "none"), "-O", "proxy", "x", "true"},
		{"-O", "proxy", "x", "true"},
		{"-S", stale, "-O", "proxy", "x", "true"},
		{"-S", stale, "-O", "check", "x"},
		{"-O", "check", "x"},
		{"-O", "bogus", "-S", "/tmp/s", "x"},
		{"-S", long, "-O", "check", "x"},
		{"-o", "ControlMaster=no", "-S", long, "x", "true"},
		{"-o", "ControlMaster=auto", "-S", long, "x", "true"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			all := append([]string{"-F", "/dev/null"}, args...)
			want := runClient(t, sshBin, nil, nil, all...)
			got := gssh(t, nil, all...)
			if got.code != want.code || got.stderr != want.stderr {
				t.Errorf("gssh: exit %d %q\nssh:  exit %d %q", got.code, got.stderr, want.code, want.stderr)
			}
		})
	}
}

// TestMuxStaleSocketWithControlMasterNo: ssh with ControlMaster=no
// complains about a stale socket and connects directly.
func TestMuxStaleSocketWithControlMasterNo(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	stale := filepath.Join(muxDir(t), "stale")
	ln, err := netListenUnix(stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	for _, prog := range []string{sshBin, gsshBin} {
		r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-S", stale, "sshd", "echo direct")
		want := fmt.Sprintf("Control socket connect(%s): Connection refused\r\n", stale)
		if r.code != 0 || r.stdout != "direct\n" || r.stderr != want {
			t.Errorf("%s: exit %d stdout %q stderr %q", prog, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(stale); err != nil {
			t.Errorf("%s removed the stale socket with ControlMaster=no", prog)
		}
	}
}

// TestMuxOpenSSHPassengersOfGsshMaster: OpenSSH's ssh -S as the client of
// a gssh master: command with exit status, stdin streaming, -O check,
// -O exit — and all over one TCP connection.
func TestMuxOpenSSHPassengersOfGsshMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, gsshBin, s, sock)

	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("control socket: %v mode %v, want a socket with mode 0600", err, fi.Mode())
	}
	if got := checkMaster(t, sshBin, s.ClientConfig, sock); got != pid {
		t.Errorf("ssh -O check says pid %d, gssh says %d", got, pid)
	}
	r := runClient(t, sshBin, strings.NewReader("a\nb\n"), nil, "-F", s.ClientConfig, "-S", sock, "sshd", "cat; echo err >&2; exit 5")
	if r.stdout != "a\nb\n" || r.stderr != "err\n" || r.code != 5 {
		t.Fatalf("ssh through gssh master: stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
	r = runClient(t, sshBin, nil, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "kill -9 $$")
	if r.code != 255 {
		t.Errorf("remote command killed by a signal: exit %d, want 255", r.code)
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1 (the master's)", n)
	}
	r = runClient(t, sshBin, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "exit", "sshd")
	if r.code != 0 || r.stderr != "Exit request sent.\r\n" {
		t.Fatalf("ssh -O exit: exit %d stderr %q", r.code, r.stderr)
	}
	if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
		t.Fatalf("gssh master %d still running after ssh -O exit", pid)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// TestMuxHundredConcurrentSessions: 100 gssh clients of one gssh master
// at once, each with its own output and exit status, one login at sshd.
func TestMuxHundredConcurrentSessions(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, gsshBin, s, sock)

	var wg sync.WaitGroup
	results := make([]result, 100)
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = execClient(gsshBin, nil, nil, "-F", s.ClientConfig, "-S", sock, "sshd", fmt.Sprintf("echo %d; exit %d", i, i))
		}()
	}
	wg.Wait()
	// stderr is not compared: root's shell start-up on this machine
	// (pyenv) complains when a hundred shells start at once.
	for i, r := range results {
		if errs[i] != nil {
			t.Errorf("session %d: %v", i, errs[i])
		} else if r.stdout != fmt.Sprintf("%d\n", i) || r.code != i {
			t.Errorf("session %d: stdout %q stderr %q exit %d", i, r.stdout, r.stderr, r.code)
		}
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
}

// netListenUnix listens on path; closing the listener without unlinking
// leaves a stale socket file, as a killed master does.
func netListenUnix(path string) (*net.UnixListener, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	return ln, nil
}

// TestMuxControlPersist: ControlMaster=auto with ControlPersist=2. The
// first call starts a background master and returns as soon as its
// command ends, without holding its caller's pipe; the second call reuses
// the master; the master exits about 2 s after the last session.
func TestMuxControlPersist(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	args := []string{"-F", s.ClientConfig, "-o", "ControlMaster=auto", "-o", "ControlPersist=2", "-o", "ControlPath=" + sock, "sshd"}
	quoted := make([]string, 0, len(args))
	for _, a := range args {
		quoted = append(quoted, "'"+a+"'")
	}

	start := time.Now()
	out, err := exec.Command("sh", "-c", gsshBin+" "+strings.Join(quoted, " ")+" 'echo first' | cat").CombinedOutput()
	if err != nil || string(out) != "first\n" {
		t.Fatalf("first call: %v, output %q", err, out)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("first call took %v: the pipe to cat was held", d)
	}
	pid := checkMaster(t, gsshBin, s.ClientConfig, sock)
	stopMaster(t, gsshBin, s.ClientConfig, sock, pid)

	r := gssh(t, nil, append(args, "echo second; exit 3")...)
	if r.stdout != "second\n" || r.code != 3 {
		t.Fatalf("second call: stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
	end := time.Now()
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
	if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
		t.Fatalf("master %d still running 5 s after the last session", pid)
	}
	if d := time.Since(end); d < 1500*time.Millisecond || d > 3500*time.Millisecond {
		t.Errorf("master exited %v after the last session, want about 2s", d)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// TestMuxStaleSocketReplaced: a master killed with SIGKILL leaves its
// socket; the next ControlMaster=auto call unlinks it, connects, and
// becomes the new master. That call is the new master's first passenger,
// checked (self-healing) right after the master's login: the master's
// budget for the session's channel open is then 4 × its login time, at
// least 2 s (controlmaster/budget_unix.go), where a fixed 800 ms could run out on
// a loaded machine and retire the new master before -O check.
func TestMuxStaleSocketReplaced(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	old := startMasterWith(t, gsshBin, s, sock)
	syscall.Kill(old, syscall.SIGKILL)
	if !eventually(5*time.Second, func() bool { return !alive(t, old) }) {
		t.Fatal("master survived SIGKILL")
	}
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("the killed master's socket should still be there: %v", err)
	}
	r := gssh(t, nil, "-F", s.ClientConfig, "-o", "ControlMaster=auto", "-o", "ControlPersist=10", "-S", sock, "sshd", "echo ok")
	if r.stdout != "ok\n" || r.code != 0 || r.stderr != "" {
		t.Fatalf("after a stale socket: stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
	pid := checkMaster(t, gsshBin, s.ClientConfig, sock)
	stopMaster(t, gsshBin, s.ClientConfig, sock, pid)
	if pid == old {
		t.Fatalf("-O check reports the killed master's pid")
	}
}

// TestMuxOtherUIDRefused: the master serves only its own uid and root;
// another user's client is dropped and the refusal logged.
func TestMuxOtherUIDRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "needs root to run a client as another user")
	}
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := muxDir(t)
	os.Chmod(dir, 0o755)
	sock := filepath.Join(dir, "ctl")
	startMasterWith(t, gsshBin, s, sock, "-E", filepath.Join(dir, "master.log"))
	// The socket is 0600, so open it up: the uid check must hold alone.
	os.Chmod(sock, 0o666)
	os.Chmod(gsshBin, 0o755)
	os.Chmod(filepath.Dir(gsshBin), 0o755)
	r := runClient(t, "runuser", nil, nil, "-u", sshdtest.TestUser, "--", gsshBin, "-F", "/dev/null", "-S", sock, "-O", "check", "x")
	if r.code != 255 || strings.Contains(r.stderr, "Master running") {
		t.Fatalf("another uid: exit %d stderr %q", r.code, r.stderr)
	}
	want := fmt.Sprintf("multiplex uid mismatch: peer euid %d != uid %d", testUserUID(t), os.Getuid())
	if !eventually(2*time.Second, func() bool { return strings.Contains(readFile(t, filepath.Join(dir, "master.log")), want) }) {
		t.Errorf("master log lacks %q; %s", want, readFile(t, filepath.Join(dir, "master.log")))
	}
}

// testUserUID looks up the uid of sshdtest.TestUser.
func testUserUID(t *testing.T) int {
	t.Helper()
	u, err := user.Lookup(sshdtest.TestUser)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid
}

// TestMuxUpstreamLost: when the master's SSH connection dies, its running
// clients exit 255 at once, the socket goes and the master exits.
func TestMuxUpstreamLost(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	pid := startMasterWith(t, gsshBin, s, sock)
	cmd := exec.Command(gsshBin, "-F", s.ClientConfig, "-S", sock, "sshd", "echo started; sleep 60")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	buf := make([]byte, 8)
	if n, err := out.Read(buf); err != nil || string(buf[:n]) != "started\n" {
		t.Fatalf("session did not start: %q %v", buf[:n], err)
	}
	for _, p := range s.SessionPIDs() {
		syscall.Kill(p, syscall.SIGKILL)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != 255 {
			t.Errorf("client ended with %v, want exit 255", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("client still running 10 s after the upstream connection died")
	}
	if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
		t.Errorf("master %d still running after losing its connection", pid)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// TestMuxForegroundMaster: ControlMaster=yes without ControlPersist makes
// the connecting gssh a master for as long as it runs; clients share its
// connection, and it waits for their sessions before exiting.
func TestMuxForegroundMaster(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	master := exec.Command(gsshBin, "-F", s.ClientConfig, "-M", "-S", sock, "sshd", "sleep 1; echo master")
	var mout strings.Builder
	master.Stdout = &mout
	if err := master.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Process.Kill() })
	if !eventually(10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }) {
		t.Fatal("no control socket")
	}
	r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "sshd", "sleep 2; echo client; exit 4")
	if r.stdout != "client\n" || r.code != 4 {
		t.Fatalf("client: stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
	if err := master.Wait(); err != nil || mout.String() != "master\n" {
		t.Fatalf("master: %v, stdout %q", err, mout.String())
	}
	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1", n)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// TestMuxExistingSocketWithControlMasterYes: -M when a master already
// listens says so and connects directly, as ssh does.
func TestMuxExistingSocketWithControlMasterYes(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, sshBin, s, sock)
	for _, prog := range []string{sshBin, gsshBin} {
		r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-M", "-S", sock, "sshd", "echo direct")
		want := fmt.Sprintf("ControlSocket %s already exists, disabling multiplexing\r\n", sock)
		if r.stdout != "direct\n" || r.code != 0 || r.stderr != want {
			t.Errorf("%s: stdout %q stderr %q exit %d", prog, r.stdout, r.stderr, r.code)
		}
	}
}

// TestMuxMasterPathTooLong: a ControlPath that fits a client but not the
// master's temporary name fails as in ssh, with exit 255.
func TestMuxMasterPathTooLong(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	path := "/tmp/" + strings.Repeat("m", 95)
	for _, prog := range []string{sshBin, gsshBin} {
		r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-M", "-S", path, "sshd", "true")
		if r.code != 255 || !strings.Contains(r.stderr, "too long for Unix domain socket") {
			t.Errorf("%s: exit %d stderr %q", prog, r.code, r.stderr)
		}
	}
}
