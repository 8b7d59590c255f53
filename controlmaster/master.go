package controlmaster

import (
	"context"

	"github.com/gssh/gssh/client/forward"
)

// Serve is the background master, gssh re-executed by Run
// (reexec.Master): it connects, listens on ControlPath, sets up the
// command line's forwardings, calls opts.Ready, and serves until -O
// exit, the end of the connection, a signal, or ControlPersist's idle
// timeout. It returns an error only before Ready: client.Dial's or the
// forwardings' errors, or a *ListenError.
func Serve(ctx context.Context, opts Options) error { return serve(ctx, opts) }

// ListenError reports that the control socket could not be created; its
// text is the whole message.
type ListenError struct {
	Err error
	// Taken says another master, or anything else, holds the path
	// (*mux.ExistsError).
	Taken bool
}

func (e *ListenError) Error() string { return e.Err.Error() }

// Unwrap returns the cause, such as a *mux.ExistsError.
func (e *ListenError) Unwrap() error { return e.Err }

// Master is a foreground master: a connected gssh that shares opts.Conn
// while its own session runs. A nil *Master is none, and its methods do
// nothing.
type Master struct {
	finish        func()
	useForwarding func(*forward.Forwarding)
}

// Start makes this gssh a foreground master once it has connected
// (ControlMaster yes, ask, auto or autoask without ControlPersist). It
// returns nil when the configuration makes no foreground master, and a
// *ListenError when the socket cannot be created, after which ssh goes
// on without being a master.
func Start(opts Options) (*Master, error) { return start(opts) }

// UseForwarding hands the master the connection's forwardings once they
// are set up, for -O forward and -O cancel.
func (m *Master) UseForwarding(fwd *forward.Forwarding) {
	if m != nil {
		m.useForwarding(fwd)
	}
}

// Finish stops listening and waits for the clients' sessions before the
// connection closes, as ssh does.
func (m *Master) Finish() {
	if m != nil {
		m.finish()
	}
}
