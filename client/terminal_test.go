//go:build linux

package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/sshdtest"
)

// localPTY is a pseudo-terminal standing in for the user's terminal: the
// session runs on tty, the test plays the user on master.
type localPTY struct {
	master, tty *os.File
	fd          int // tty's descriptor, read without os.File.Fd (which would disable deadlines)
	out         *outBuf
}

func openLocalPTY(t *testing.T, rows, cols uint16) *localPTY {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	p := &localPTY{master: master, tty: tty, out: newOutBuf()}
	rc, err := tty.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) { p.fd = int(fd) })
	// Keep draining: restoring the mode waits for output to drain.
	copied := make(chan struct{})
	go func() { io.Copy(p.out, master); close(copied) }()
	t.Cleanup(func() {
		tty.Close()
		<-copied // the master reads EIO once the last tty fd is closed
		master.Close()
	})
	return p
}

func (p *localPTY) streams() client.Streams {
	return client.Streams{Stdin: p.tty, Stdout: p.tty, Stderr: p.tty, Terminal: tty.Open(p.fd)}
}

func (p *localPTY) termios(t *testing.T) unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(p.fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return *tio
}

// type sends keys as the user would.
func (p *localPTY) typeKeys(t *testing.T, keys string) {
	t.Helper()
	if _, err := p.master.Write([]byte(keys)); err != nil {
		t.Fatal(err)
	}
}

func TestRunPTYSizeAndModesFromLocalTerminal(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.RequestTTY = config.RequestTTYYes })
	p := openLocalPTY(t, 33, 101)
	// A non-default interrupt character must reach the remote pty.
	tio := p.termios(t)
	tio.Cc[unix.VINTR] = 7 // ^G
	if err := unix.IoctlSetTermios(p.fd, unix.TCSETS, &tio); err != nil {
		t.Fatal(err)
	}
	before := p.termios(t)
	status, err := conn.Run(context.Background(), client.SessionOptions{
		Command: "stty size; stty -a | head -2; echo TERM=$TERM",
		Environ: []string{"TERM=xterm-test"},
	}, p.streams(), nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	out := p.out.waitFor(t, "TERM line", func(s string) bool { return strings.Contains(s, "TERM=xterm-test\r\n") })
	for _, want := range []string{"33 101\r\n", "intr = ^G;", "speed 38400 baud"} {
		if !strings.Contains(out, want) {
			t.Errorf("remote output lacks %q:\n%s", want, out)
		}
	}
	if after := p.termios(t); after != before {
		t.Fatalf("termios changed by Run:\nbefore %+v\nafter  %+v", before, after)
	}
}

// TestRunPTYWindowChange resizes the local terminal mid-session and
// delivers SIGWINCH to the process, as the kernel would to the foreground
// job; the remote pty must follow.
func TestRunPTYWindowChange(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.RequestTTY = config.RequestTTYYes })
	p := openLocalPTY(t, 24, 80)
	done := startRun(context.Background(), conn, client.SessionOptions{
		Command: "stty size; while read l; do stty size; done",
	}, p.streams(), nil)
	p.out.waitForText(t, "24 80\r\n")
	if err := pty.Setsize(p.master, &pty.Winsize{Rows: 40, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGWINCH)
	// The window-change request races with our keystrokes, so ask again
	// until the new size shows; each Enter echoes a line and answers one.
	lines := strings.Count(p.out.String(), "\r\n")
	for !strings.Contains(p.out.String(), "40 132\r\n") {
		p.typeKeys(t, "\r")
		lines += 2
		p.out.waitFor(t, "an stty answer", func(s string) bool { return strings.Count(s, "\r\n") >= lines })
	}
	p.typeKeys(t, "\x04") // ^D: read fails, the loop ends
	if r := waitRun(t, done); r.err != nil || r.status != 0 {
		t.Fatalf("Run = %d, %v", r.status, r.err)
	}
}

// TestRunPTYRawModeAndRestore checks raw mode during the session, the
// "\r\n" logger, and identical termios afterwards on each way out.
func TestRunPTYRawModeAndRestore(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, end := range []string{"exit", "cancel", "SIGTERM", "filter error", "remote signal"} {
		t.Run(end, func(t *testing.T) {
			conn := sessionConn(t, s, sshdtest.TestUser, func(c *config.Config) { c.RequestTTY = config.RequestTTYYes })
			p := openLocalPTY(t, 24, 80)
			before := p.termios(t)
			var logged bytes.Buffer
			log := sshlog.New(&logged, config.LogInfo)
			filterErr := errors.New("disconnect requested")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := startRun(ctx, conn, client.SessionOptions{
				Command: "echo ready; read x; echo got=$x; [ \"$x\" = KILL ] && kill -TERM $$; exit 3",
				Filter: func(ctl *client.Control) client.InputFilter {
					if !ctl.PTY() || ctl.Terminal() == nil {
						t.Errorf("filter sees pty %v terminal %v", ctl.PTY(), ctl.Terminal())
					}
					return func(b []byte) ([]byte, error) {
						if bytes.Contains(b, []byte("!")) {
							return nil, filterErr
						}
						return bytes.ToUpper(b), nil
					}
				},
			}, p.streams(), log)
			p.out.waitForText(t, "ready")
			// Raw mode is entered before the command starts.
			if raw := p.termios(t); raw.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || raw.Oflag&unix.OPOST != 0 {
				t.Errorf("terminal not raw during the session: %+v", raw)
			}
			var wantStatus int
			var wantErr func(error) bool
			wantLog := "Connection to 127.0.0.1 closed.\r\n"
			switch end {
			case "exit":
				p.typeKeys(t, "yes\r")
				wantStatus, wantErr = 3, func(err error) bool { return err == nil }
			case "cancel":
				cancel()
				wantStatus, wantErr = 255, func(err error) bool { return errors.Is(err, context.Canceled) }
				wantLog = ""
			case "SIGTERM":
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
				wantStatus, wantErr = 255, func(err error) bool {
					var sig *client.LocalSignalError
					return errors.As(err, &sig) && err.Error() == fmt.Sprintf("Killed by signal %d.", syscall.SIGTERM)
				}
				wantLog = ""
			case "filter error":
				p.typeKeys(t, "!")
				wantStatus, wantErr = 255, func(err error) bool { return err == filterErr }
			case "remote signal":
				p.typeKeys(t, "kill\r")
				wantStatus, wantErr = 255, func(err error) bool {
					var sig *client.RemoteSignalError
					return errors.As(err, &sig) && sig.Signal == "TERM"
				}
			}
			r := waitRun(t, done)
			if r.status != wantStatus || !wantErr(r.err) {
				t.Fatalf("Run = %d, %v; want %d", r.status, r.err, wantStatus)
			}
			if end == "exit" {
				// Run has written it to the tty; the drain may lag behind.
				p.out.waitForText(t, "got=YES")
			}
			if after := p.termios(t); after != before {
				t.Fatalf("termios not restored:\nbefore %+v\nafter  %+v", before, after)
			}
			if logged.String() != wantLog {
				t.Fatalf("logged %q, want %q", logged.String(), wantLog)
			}
		})
	}
}

// TestRunPTYModesLikeOpenSSH runs `stty -a` through /usr/bin/ssh -tt and
// through Run from two identically configured local terminals: the remote
// pty must come out the same (modes, control characters, speed, size).
func TestRunPTYModesLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	const command = "stty -a; echo TERM=$TERM"
	configure := func(p *localPTY) {
		tio := p.termios(t)
		tio.Cc[unix.VINTR] = 7   // ^G
		tio.Cc[unix.VEOL] = 0    // disabled: sent as 255
		tio.Iflag &^= unix.IXON  // -ixon
		tio.Iflag |= unix.IUTF8  // iutf8
		tio.Lflag &^= unix.ECHOK // -echok
		tio.Oflag |= unix.ONLRET // onlret
		if err := unix.IoctlSetTermios(p.fd, unix.TCSETS, &tio); err != nil {
			t.Fatal(err)
		}
	}
	untilTERM := func(s string) bool { return strings.Contains(s, "TERM=xterm-test\r\n") }

	theirs := openLocalPTY(t, 30, 90)
	configure(theirs)
	cmd := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "-q", "-tt", "sshd", command)
	cmd.Stdin, cmd.Stdout = theirs.tty, theirs.tty
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = append(os.Environ(), "TERM=xterm-test")
	if err := cmd.Run(); err != nil {
		t.Fatalf("/usr/bin/ssh: %v %s", err, stderr.String())
	}
	want := theirs.out.waitFor(t, "ssh's stty output", untilTERM)

	ours := openLocalPTY(t, 30, 90)
	configure(ours)
	conn := sessionConn(t, s, "root", func(c *config.Config) { c.RequestTTY = config.RequestTTYForce })
	status, err := conn.Run(context.Background(), client.SessionOptions{Command: command, Environ: []string{"TERM=xterm-test"}}, ours.streams(), nil)
	if err != nil || status != 0 {
		t.Fatalf("Run = %d, %v", status, err)
	}
	if got := ours.out.waitFor(t, "our stty output", untilTERM); got != want {
		t.Fatalf("remote terminal differs from OpenSSH's:\ngssh:    %q\nOpenSSH: %q", got, want)
	}
}
