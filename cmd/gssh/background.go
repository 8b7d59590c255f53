package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/gssh/gssh/client/tty"
)

// forkEnv marks the gssh that -f (ForkAfterAuthentication) re-executes
// in the background. Its value lists descriptors: the report pipe (3),
// then, when the caller had a terminal, that terminal (4) to prompt on.
//
// ssh forks once it has authenticated and set up its forwardings; Go
// cannot fork a running process. So the foreground gssh re-executes
// itself in a new session with stdio on /dev/null, and the child does
// the whole connection. The foreground process waits on the report pipe
// and exits only when the child says it is ready (authenticated,
// forwardings up, ExitOnForwardFailure satisfied: exit 0) or has failed
// (the child's messages, the child's exit status). Prompts still reach
// the user: the child asks on the caller's terminal, passed to it.
const forkEnv = "GSSH_FORK_CHILD"

// errForkWithoutCommand is ssh's refusal of -f for an interactive shell.
var errForkWithoutCommand = errors.New("Cannot fork into background without a command to execute.")

// forkChild is the background side of -f: it collects what the child
// logs until it is ready and then hands it to the waiting parent, which
// prints it as if it had been the one connecting. After that the child
// has no stderr (ssh's daemon() sends it to /dev/null too).
type forkChild struct {
	report *os.File
	tty    *os.File // the caller's terminal, nil without one

	mu      sync.Mutex
	buf     bytes.Buffer
	relay   bool // messages logged so far reach the parent
	written bool // the report has been sent
}

// Write collects a log line for the parent. Lines before startRelay
// are dropped: the parent printed the same ones before it started the
// child.
func (c *forkChild) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.relay && !c.written {
		c.buf.Write(p)
	}
	return len(p), nil
}

// startRelay marks the point where the parent stopped and the child
// took over: what is logged from here on is the parent's to print.
func (c *forkChild) startRelay() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.relay = true
	c.mu.Unlock()
}

// prompter asks on the caller's terminal, which the child has only as a
// descriptor; outside the child it is tty.NewPrompter.
func (c *forkChild) prompter() tty.Prompter {
	if c == nil {
		return tty.NewPrompter()
	}
	if c.tty == nil {
		// Without a controlling terminal this fails with ErrNoTTY, as
		// ssh cannot ask either when its caller had no terminal.
		return tty.NewPrompter()
	}
	return tty.PrompterOn(c.tty)
}

// ready tells the parent to exit 0 after printing the messages so far.
func (c *forkChild) ready() { c.send("ready") }

// finish, deferred by run, reports a child that ends before it was
// ready: the parent prints its messages and exits with its status.
func (c *forkChild) finish() { c.send("error") }

// send writes the report once: a state line, then the messages.
func (c *forkChild) send(state string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.written {
		return
	}
	c.written = true
	io.WriteString(c.report, state+"\n"+c.buf.String())
	c.report.Close()
	c.buf.Reset()
	// Like ssh after daemon(), the child keeps no hold on the terminal.
	if c.tty != nil {
		c.tty.Close()
	}
}
