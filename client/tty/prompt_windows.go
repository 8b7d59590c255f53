package tty

import (
	"fmt"
	"io"

	"golang.org/x/term"
)

// readHidden asks for a secret on the console fd; x/term switches echo
// off for the read and back on after it.
func readHidden(rw io.ReadWriter, fd int, prompt string) (string, error) {
	if err := writePrompt(rw, prompt); err != nil {
		return "", err
	}
	b, err := term.ReadPassword(fd)
	io.WriteString(rw, "\r\n")
	if err != nil {
		return "", fmt.Errorf("prompt: %w", err)
	}
	return string(b), nil
}
