//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/sshdtest"
)

// ptySession is gssh running on a real pseudo-terminal, driven the way a
// person at a terminal drives it.
type ptySession struct {
	t       *testing.T
	master  *os.File
	tty     *os.File
	cmd     *exec.Cmd
	before  *unix.Termios
	mu      sync.Mutex
	cond    *sync.Cond
	output  bytes.Buffer
	readErr error
	exited  chan struct{}
	waitErr error
}

func startPty(t *testing.T, rows, cols uint16, args ...string) *ptySession {
	t.Helper()
	return startPtyCommand(t, rows, cols, nil, gsshBin, args...)
}

// startPtyCommand runs prog with args and the extra environment env as
// the session leader of a new pty of rows×cols.
func startPtyCommand(t *testing.T, rows, cols uint16, env []string, prog string, args ...string) *ptySession {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.Env = append(append(os.Environ(), "TERM=xterm"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &ptySession{t: t, master: master, tty: tty, cmd: cmd, before: before, exited: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	go p.read()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		master.Close()
		tty.Close()
	})
	return p
}

func (p *ptySession) read() {
	buf := make([]byte, 4096)
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.output.Write(buf[:n])
		if err != nil {
			p.readErr = err
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (p *ptySession) typeText(s string) {
	p.t.Helper()
	if _, err := p.master.Write([]byte(s)); err != nil {
		p.t.Fatal(err)
	}
}

// waitFor blocks until the terminal has shown want, or fails after timeout.
func (p *ptySession) waitFor(want string, timeout time.Duration) {
	p.t.Helper()
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	for !strings.Contains(p.output.String(), want) {
		if time.Now().After(deadline) || p.readErr != nil {
			p.t.Fatalf("terminal never showed %q; it shows:\n%q", want, p.output.String())
		}
		p.cond.Wait()
	}
}

func (p *ptySession) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// wait returns gssh's exit status, failing the test after timeout.
func (p *ptySession) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("gssh did not exit within %v; terminal shows:\n%q", timeout, p.screen())
	}
	var exitErr *exec.ExitError
	if errors.As(p.waitErr, &exitErr) {
		return exitErr.ExitCode()
	}
	if p.waitErr != nil {
		p.t.Fatal(p.waitErr)
	}
	return 0
}

// assertTermiosRestored compares the terminal settings with those before
// gssh started.
func (p *ptySession) assertTermiosRestored() {
	p.t.Helper()
	after, err := termios(p.tty)
	if err != nil {
		p.t.Fatal(err)
	}
	if *after != *p.before {
		p.t.Fatalf("terminal settings not restored:\n before %+v\n after  %+v", *p.before, *after)
	}
}

// waitRaw waits until the client has put the terminal in raw mode. A
// passenger does that once its master has opened the session, but the
// master writes the session's output to the terminal itself, so output
// can appear first; keys typed before raw mode would be echoed and
// line-buffered by the local terminal. The state is polled: no event
// announces a termios change.
func (p *ptySession) waitRaw(timeout time.Duration) {
	p.t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		tio, err := termios(p.tty)
		if err != nil {
			p.t.Fatal(err)
		}
		if tio.Lflag&(unix.ICANON|unix.ECHO) == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("terminal not in raw mode after %v; it shows:\n%q", timeout, p.screen())
		}
	}
}

// withFD runs f on the descriptor of tty without os.File.Fd, which would
// clear O_NONBLOCK on an open file description that gssh shares.
func withFD(tty *os.File, f func(fd int) error) error {
	rc, err := tty.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// termios reads the terminal settings of tty (see withFD).
func termios(tty *os.File) (*unix.Termios, error) {
	var tio *unix.Termios
	err := withFD(tty, func(fd int) error {
		var err error
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	})
	return tio, err
}

// ready waits until the remote shell runs commands.
func (p *ptySession) ready() {
	p.t.Helper()
	p.typeText("echo RE''ADY\r")
	p.waitFor("READY", 20*time.Second)
}

func TestInteractiveShellSizeAndExit(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 30, 100, "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeText("stty size; exit 3\r")
	p.waitFor("30 100", 10*time.Second)
	if code := p.wait(10 * time.Second); code != 3 {
		t.Fatalf("exit %d, want 3; terminal:\n%q", code, p.screen())
	}
	p.assertTermiosRestored()
}

func TestInteractiveShellFollowsResize(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 30, 100, "-F", s.ClientConfig, "sshd")
	p.ready()
	// The kernel sends SIGWINCH to gssh, the terminal's foreground process.
	if err := pty.Setsize(p.master, &pty.Winsize{Rows: 41, Cols: 123}); err != nil {
		t.Fatal(err)
	}
	// SIGWINCH is asynchronous: ask until the new size is reported.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.screen(), "41 123") {
		if time.Now().After(deadline) {
			t.Fatalf("remote size never became 41 123:\n%q", p.screen())
		}
		p.typeText("stty size\r")
		p.waitFor("stty size", time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}

func TestSigtermRestoresTerminal(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "sshd")
	p.ready()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(5 * time.Second); code != 255 {
		t.Fatalf("exit %d after SIGTERM, want 255", code)
	}
	p.assertTermiosRestored()
}
