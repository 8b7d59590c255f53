// Package reexec runs gssh again in the background, and lets the copy
// take over what its caller handed it. That is its one concern: -f's
// child (ForkAfterAuthentication) and the background master of
// ControlPersist are both gssh re-executed with the same arguments in a
// new session, stdio on /dev/null, a pipe on which the child reports how
// it went (a State and the messages to print), and, for -f, the caller's
// terminal to prompt on.
//
// ssh forks once it has authenticated; Go cannot fork a running process,
// so the child does the whole connection itself. Start is the parent's
// side. Take is the child's, and runs first thing in every gssh: it
// removes gssh's own variables from the environment and closes every
// other inherited descriptor above stderr, as ssh's closefrom does, so
// that a re-executed gssh resolves its configuration exactly as its
// caller did and no command it runs holds a pipe its caller waits on.
package reexec

import (
	"errors"
	"os"
	"os/exec"
)

// Role is what a re-executed gssh is for. Its value is the environment
// variable that marks the child; the variable's value lists the
// descriptors the child inherits: the report pipe (3), then, when the
// caller had a terminal, that terminal (4).
type Role string

const (
	// Fork marks the gssh that -f (ForkAfterAuthentication) runs in the
	// background. The foreground gssh waits on the report pipe and exits
	// only when the child says it is ready (authenticated, forwardings
	// up, ExitOnForwardFailure satisfied: exit 0) or has failed (the
	// child's messages, the child's exit status). Prompts still reach
	// the user: the child asks on the caller's terminal, passed to it.
	Fork Role = "GSSH_FORK_CHILD"
	// Master marks a gssh re-executed as a background master; it reports
	// Ready once it listens on ControlPath, Exists when another master
	// holds it, or Failed with the messages of a failed connection.
	Master Role = "GSSH_MUX_DAEMON"
)

// State is the first line of a child's report.
type State string

const (
	Ready  State = "ready"  // the child runs on; the parent exits 0
	Exists State = "exists" // a background master found ControlPath taken
	Failed State = "error"  // the child failed; its messages follow
)

// Supported reports whether gssh can re-execute itself in the background
// on this system.
const Supported = supported

// Options says how to start a child.
type Options struct {
	// Argv is gssh's own command line, which the child runs again.
	Argv []string
	Role Role
	// TTY, when not nil, is the caller's terminal, for the child's
	// prompts.
	TTY *os.File
}

// Child is a started child and its report.
type Child struct {
	State State
	// Messages is what the child wrote after the state line: the
	// messages the parent prints as if it had been the one connecting.
	Messages string
	// Cmd is the running child, which the caller waits for or leaves to
	// init.
	Cmd *exec.Cmd
}

// ErrInterrupted reports that the user interrupted gssh while the child
// was still connecting; the child was killed with it.
var ErrInterrupted = errors.New("interrupted")

// Start starts gssh again as opts.Role and waits for its report. A signal
// that would end gssh while the child has not reported ends the child
// too, as it would end ssh before its fork, and Start returns
// ErrInterrupted.
func Start(opts Options) (*Child, error) { return start(opts) }

// Inherited is what a re-executed gssh takes over from its caller: the
// report of -f's child, or of a background master. Both are nil in a
// gssh nobody re-executed.
type Inherited struct {
	Fork   *Report
	Master *Report
}

// Take runs before anything that may start a command (Match exec,
// ProxyCommand, LocalCommand, KnownHostsCommand): it removes the Role
// variables from the environment, marks the descriptors they name
// close-on-exec, and closes every other descriptor above stderr that
// this process inherited, as ssh's closefrom(STDERR_FILENO + 1) at
// start-up does.
func Take() Inherited { return take() }
