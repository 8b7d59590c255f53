//go:build linux || darwin || freebsd

package tty

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/crash"
)

// readHidden asks for a secret on the terminal fd the way OpenSSH's
// readpassphrase does: echo off (and input typed before the prompt
// discarded, TCSAFLUSH) first, then the prompt, the line read with the
// terminal's own line editing, the settings put back on every path, and
// a newline written for the one that was not echoed. A signal that ends
// gssh meanwhile (^C at the prompt) first puts the settings back too.
func readHidden(rw io.ReadWriter, fd int, prompt string) (string, error) {
	saved, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return "", fmt.Errorf("prompt: tcgetattr: %w", err)
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO | unix.ECHONL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, &quiet); err != nil {
		return "", fmt.Errorf("prompt: tcsetattr: %w", err)
	}
	restore := func() { unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved) }
	defer restore()
	defer restoreOnSignal(restore, rw)()
	if err := writePrompt(rw, prompt); err != nil {
		return "", err
	}
	line, err := readLine(rw)
	io.WriteString(rw, "\n")
	return line, err
}

// restoreOnSignal runs restore, ends the prompt's line on w and lets the
// signal take its default course when SIGHUP, SIGINT, SIGQUIT or SIGTERM
// (which readpassphrase catches for the same purpose) arrives before the
// returned stop is called. Ignored signals stay ignored.
func restoreOnSignal(restore func(), w io.Writer) (stop func()) {
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, sigs...)
	done := make(chan struct{})
	crash.Go(func() {
		select {
		case sig := <-c:
			restore()
			io.WriteString(w, "\n")
			signal.Reset(sig)
			unix.Kill(unix.Getpid(), sig.(syscall.Signal))
		case <-done:
		}
	})
	return func() {
		signal.Stop(c)
		close(done)
	}
}
