package controlmaster

import (
	"io"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// Options is what every entry point takes; each reads the fields it
// needs.
type Options struct {
	// Config is the resolved configuration. Run turns multiplexing off in
	// it (ControlMaster no, no ControlPath, no ControlPersist) when it
	// sends the caller to connect on its own although a master holds the
	// socket (it refused our forwardings, or won the race for the socket
	// under ControlMaster yes or ask), so that no second master is
	// started.
	Config *config.Config
	// Log takes the runtime's diagnostics.
	Log *sshlog.Logger
	// Stderr is where ssh writes with fprintf rather than its log
	// functions (stderr, or the -E file): a passenger's "Shared
	// connection to HOST closed."
	Stderr io.Writer
	// Streams are the passenger's stdio, whose descriptors go to the
	// master, and its terminal.
	Streams client.Streams
	// Argv is gssh's own command line, which Run re-executes as a
	// background master.
	Argv []string
	// Command is the remote command as typed, ssh's arguments joined by
	// spaces; "" runs RemoteCommand or a shell.
	Command string
	// StdioForward is -W's host:port.
	StdioForward string
	// KillAfter is --kill-after: the grace a remote command signalled
	// with TERM on --timeout has before KILL.
	KillAfter time.Duration
	// End, when closed, ends a passenger's session the way ~. does (gssh
	// --end): the control connection is closed, the master closes the
	// channel, and Run returns an *EndedError. nil never ends.
	End <-chan struct{}
	// RemoteDeadline is --remote-timeout: the server bounds the command
	// too, so on --timeout a passenger whose signal is refused (or cannot
	// be sent) waits for the server to end it.
	RemoteDeadline bool
	// ControlCommand is -O's command, for Command.
	ControlCommand string
	// Conn is the connection a foreground master shares (Start).
	Conn *client.Conn
	// Connected, when set, is called by Serve with its connection once it
	// is up, so that the caller can watch it (the registry of live gssh
	// processes reads its keepalive state).
	Connected func(*client.Conn)
	// Ready is called by Serve once the background master listens and its
	// forwardings are up: the caller tells the gssh that started it.
	Ready func()
}
