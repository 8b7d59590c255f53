//go:build linux || darwin || freebsd

package client

import (
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// readHidden asks for a secret on the terminal fd the way OpenSSH's
// readpassphrase does: echo off (and input typed before the prompt
// discarded, TCSAFLUSH) first, then the prompt, the line read with the
// terminal's own line editing, the settings put back on every path, and
// a newline written for the one that was not echoed.
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
	defer unix.IoctlSetTermios(fd, ioctlSetTermiosFlush, saved)
	if err := writePrompt(rw, prompt); err != nil {
		return "", err
	}
	line, err := readLine(rw)
	io.WriteString(rw, "\n")
	return line, err
}
