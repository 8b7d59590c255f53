package tty

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Prompter asks the user a question on the controlling terminal, never on
// stdin or stdout: those belong to the remote command (think of
// `tar c . | gssh host tar x`). The prompt text is written as given; the
// implementation ends the line after the answer.
type Prompter interface {
	// ReadPassword prints prompt and reads a line without echo.
	ReadPassword(prompt string) (string, error)
	// ReadLine prints prompt and reads a line with echo.
	ReadLine(prompt string) (string, error)
}

// NewPrompter returns a Prompter that opens /dev/tty for each prompt, as
// OpenSSH's read_passphrase does, so it works when stdin is a pipe and
// fails cleanly when there is no controlling terminal.
func NewPrompter() Prompter { return ttyPrompter{path: "/dev/tty"} }

// PrompterOn is NewPrompter on an open terminal instead of the
// controlling one: a process without a controlling terminal (gssh -f's
// background child) prompts on the terminal its caller handed it. The
// caller keeps tty open while prompts may come.
func PrompterOn(tty *os.File) Prompter { return fileTTYPrompter{tty} }

// fileTTYPrompter asks on a terminal that is already open.
type fileTTYPrompter struct{ tty *os.File }

func (p fileTTYPrompter) ReadPassword(prompt string) (string, error) {
	return promptOn(p.tty, int(p.tty.Fd()), prompt, false)
}

func (p fileTTYPrompter) ReadLine(prompt string) (string, error) {
	return promptOn(p.tty, int(p.tty.Fd()), prompt, true)
}

// ttyPrompter opens path per prompt rather than holding it open, so a
// session that never prompts never touches the terminal.
type ttyPrompter struct{ path string }

// ErrNoTTY is returned by NewPrompter's methods when there is no
// controlling terminal to ask on.
var ErrNoTTY = errors.New("no controlling terminal to prompt on")

func (p ttyPrompter) ReadPassword(prompt string) (string, error) {
	return p.read(prompt, false)
}

func (p ttyPrompter) ReadLine(prompt string) (string, error) {
	return p.read(prompt, true)
}

func (p ttyPrompter) read(prompt string, echo bool) (string, error) {
	tty, err := os.OpenFile(p.path, os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoTTY, err)
	}
	defer tty.Close()
	return promptOn(tty, int(tty.Fd()), prompt, echo)
}

// promptOn writes prompt to rw and reads one line. For a password on a
// terminal fd, echo goes off before the prompt is written, as OpenSSH's
// readpassphrase does: an answer typed the moment the prompt appears must
// not be shown. The newline the user typed is not echoed, so one is
// written, as OpenSSH does.
func promptOn(rw io.ReadWriter, fd int, prompt string, echo bool) (string, error) {
	if !echo && term.IsTerminal(fd) {
		return readHidden(rw, fd, prompt)
	}
	if err := writePrompt(rw, prompt); err != nil {
		return "", err
	}
	return readLine(rw)
}

// writePrompt writes prompt after a \r, as OpenSSH does, to overwrite
// whatever a progress meter left on the line.
func writePrompt(w io.Writer, prompt string) error {
	if _, err := io.WriteString(w, "\r"+prompt); err != nil {
		return fmt.Errorf("prompt: %w", err)
	}
	return nil
}

// readLine reads one line without its end. It reads byte by byte: a
// buffered reader could swallow input typed ahead for the next prompt,
// which is read through a fresh open of the tty.
func readLine(r io.Reader) (string, error) {
	var line strings.Builder
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			line.WriteByte(one[0])
		}
		if err == io.EOF && line.Len() > 0 {
			break
		}
		if err != nil {
			return "", fmt.Errorf("prompt: %w", err)
		}
	}
	return strings.TrimSuffix(line.String(), "\r"), nil
}
