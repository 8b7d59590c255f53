//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
)

// errInterrupted: the user interrupted gssh while the background child
// was still connecting; the child was killed with it.
var errInterrupted = errors.New("interrupted")

// reexecBackground starts gssh again with the same arguments in a new
// session, stdio on /dev/null (it must not hold the caller's pipes, or
// `gssh -f … | cat` and rsync-style callers would wait for it), env set
// to "3" or "3,4": descriptor 3 is the pipe the child reports on, 4 the
// optional tty. It returns the report, everything the child wrote before
// closing the pipe, and the started command, which the caller waits for
// or leaves to init. A signal that would end gssh while the child has
// not reported ends the child too, as it would end ssh before its fork.
// Both the background master (mux_master_unix.go) and -f use it.
func reexecBackground(argv []string, env string, tty *os.File) (string, *exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return "", nil, err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	cmd := exec.Command(exe, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = append(os.Environ(), env+"=3")
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
		return "", nil, err
	}
	report := make(chan []byte, 1)
	crash.Go(func() {
		out, _ := io.ReadAll(r)
		report <- out
	})
	select {
	case out := <-report:
		return string(out), cmd, nil
	case <-sigc:
		cmd.Process.Kill()
		cmd.Wait()
		restoreTTY(tty, ttyState)
		return "", nil, errInterrupted
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

// canFork reports whether -f can be honoured: always, here.
func canFork(*config.Config) bool { return true }

// forkBackground is the foreground half of -f (see forkEnv): it starts
// the child, prints what the child logged while connecting, and returns
// 0 once the child is ready, or the child's exit status when it failed.
func forkBackground(argv []string, logOut io.Writer) int {
	// The caller's terminal, for the child's prompts; none is fine.
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err == nil {
		defer tty.Close()
	} else {
		tty = nil
	}
	out, cmd, err := reexecBackground(argv, forkEnv, tty)
	switch {
	case errors.Is(err, errInterrupted):
		return exitFailure
	case err != nil:
		fmt.Fprintf(logOut, "%s: fork: %v\r\n", progName(argv), err)
		return exitFailure
	}
	state, text, _ := strings.Cut(out, "\n")
	io.WriteString(logOut, text)
	if state == "ready" {
		return 0 // the child lives on in its own session; init adopts it
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code > 0 {
		return code
	}
	return exitFailure
}
