package controlmaster

import (
	"context"

	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/internal/crash"
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
	// ended is closed when the master ends this gssh (Ended).
	ended <-chan struct{}
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

// Bind returns a context for the master's own run (the session, or -N's
// wait) that ends when a -N master has stopped listening (-O stop) and
// its last client session has ended: ssh's client loop ends then, once
// no channel is left. The cancel function releases it.
func (m *Master) Bind(ctx context.Context) (context.Context, context.CancelFunc) {
	if m == nil {
		return ctx, func() {}
	}
	run, cancel := context.WithCancel(ctx)
	crash.Go(func() {
		select {
		case <-m.ended:
			cancel()
		case <-run.Done():
		}
	})
	return run, cancel
}

// Ended reports whether the master ended this gssh's run: -O exit
// (quit_pending in ssh: the connection closes under the running session),
// or -O stop on a -N master once its last client session ended. ssh then
// exits 255 without a message of its own.
func (m *Master) Ended() bool {
	if m == nil {
		return false
	}
	select {
	case <-m.ended:
		return true
	default:
		return false
	}
}

// Finish stops listening and waits for the clients' sessions before the
// connection closes, as ssh does.
func (m *Master) Finish() {
	if m != nil {
		m.finish()
	}
}
