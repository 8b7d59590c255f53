//go:build unix

package reexec

import (
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/gssh/gssh/internal/crash"
)

// supported: -f and background masters re-execute gssh in a new
// session, which Unix has.
const supported = true

// start re-executes gssh with the same arguments in a new session, stdio
// on /dev/null (it must not hold the caller's pipes, or `gssh -f … |
// cat` and rsync-style callers would wait for it), opts.Role set to "3"
// or "3,4": descriptor 3 is the pipe the child reports on, 4 the
// optional tty. It reads the report, everything the child wrote before
// closing the pipe. Both the background master (controlmaster) and -f
// use it.
func start(opts Options) (*Child, error) {
	argv, tty := opts.Argv, opts.TTY
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command(exe, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = append(os.Environ(), string(opts.Role)+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w}
	if tty != nil {
		cmd.Env[len(cmd.Env)-1] += ",4"
		cmd.ExtraFiles = append(cmd.ExtraFiles, tty)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// The child may be at a prompt on tty with echo off when a signal
	// makes us kill it; the terminal is put back as it was.
	var ttyState *term.State
	if tty != nil {
		ttyState, _ = term.GetState(int(tty.Fd()))
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, err
	}
	report := make(chan []byte, 1)
	crash.Go(func() {
		out, _ := io.ReadAll(r)
		report <- out
	})
	select {
	case out := <-report:
		state, text, _ := strings.Cut(string(out), "\n")
		return &Child{State: State(state), Messages: text, Cmd: cmd}, nil
	case <-sigc:
		cmd.Process.Kill()
		cmd.Wait()
		restoreTTY(tty, ttyState)
		return nil, ErrInterrupted
	}
}

// restoreTTY puts back the terminal settings a killed child changed: it
// was at a password prompt, whose line is ended as readpassphrase does.
func restoreTTY(tty *os.File, saved *term.State) {
	if saved == nil {
		return
	}
	if now, err := term.GetState(int(tty.Fd())); err == nil && *now != *saved {
		term.Restore(int(tty.Fd()), saved)
		io.WriteString(tty, "\n")
	}
}
