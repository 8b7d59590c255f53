package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/reexec"
)

// errForkWithoutCommand is ssh's refusal of -f for an interactive shell.
var errForkWithoutCommand = errors.New("Cannot fork into background without a command to execute.")

// forkBackground is the foreground half of -f (reexec.Fork): it starts
// the child, prints what the child logged while connecting, and returns
// 0 once the child is ready, or the child's exit status when it failed.
func forkBackground(argv []string, prog string, logOut io.Writer) int {
	// The caller's terminal, for the child's prompts; none is fine.
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err == nil {
		defer tty.Close()
	} else {
		tty = nil
	}
	child, err := reexec.Start(reexec.Options{Argv: argv, Role: reexec.Fork, TTY: tty})
	switch {
	case errors.Is(err, reexec.ErrInterrupted):
		return exitFailure
	case err != nil:
		fmt.Fprintf(logOut, "%s: fork: %v\r\n", prog, err)
		return exitFailure
	}
	io.WriteString(logOut, child.Messages)
	if child.State == reexec.Ready {
		return 0 // the child lives on in its own session; init adopts it
	}
	child.Cmd.Wait()
	if code := child.Cmd.ProcessState.ExitCode(); code > 0 {
		return code
	}
	return exitFailure
}

// forkPrompter asks on the caller's terminal, which -f's child has only
// as a descriptor; outside the child it is tty.NewPrompter.
func forkPrompter(child *reexec.Report) tty.Prompter {
	if terminal := child.TTY(); terminal != nil {
		return tty.PrompterOn(terminal)
	}
	// Without a controlling terminal this fails with ErrNoTTY, as ssh
	// cannot ask either when its caller had no terminal.
	return tty.NewPrompter()
}
