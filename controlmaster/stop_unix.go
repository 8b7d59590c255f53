//go:build unix

package controlmaster

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/mux"
)

// masterSignalWait bounds one signal request through a gssh master,
// connection included; the master's own wait for the server is a little
// shorter, so that its answer arrives in time.
const masterSignalWait = time.Second

// passengerStop ends a passenger session before its command does: on
// --timeout, or on SIGINT, SIGTERM or SIGHUP.
//
// With a gssh master (mux.ExtSignal) the remote command is signalled as
// in a direct session: TERM, then KILL after --kill-after, each request on
// a control connection of its own (the session's connection is busy
// waiting for the exit message). An OpenSSH master has no such request;
// the caller then only closes the control connection, mux.c closes the
// channel, and sshd hangs up a pty session's command (SIGHUP) but leaves
// a command without a pty running.
type passengerStop struct {
	path string      // ControlPath, for the signal connections
	c    *mux.Client // the session's control connection
	sid  uint32
	// ended is closed once the master closed the session's connection.
	ended <-chan struct{}
}

// canSignal reports whether the master signals commands for us.
func (p *passengerStop) canSignal() bool { return p.c.Has(mux.ExtSignal) }

// signal asks the master to send name to the remote command.
func (p *passengerStop) signal(name string) error {
	c, err := mux.Dial(p.path)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(masterSignalWait))
	return c.SignalSession(p.sid, name)
}

// deadline is --timeout through a gssh master: signal TERM, give the
// command grace to exit, then signal KILL, as client.stopRemote does for
// a direct session. It waits at most grace plus about two seconds.
func (p *passengerStop) deadline(grace time.Duration) client.StopOutcome {
	switch err := p.signal("TERM"); {
	case errors.Is(err, mux.ErrSignalRefused):
		return client.StopRefused
	case err != nil:
		return client.StopUnanswered
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.ended:
		return client.StopTerminated
	case <-timer.C:
	}
	if err := p.signal("KILL"); err != nil {
		return client.StopUnanswered
	}
	timer.Reset(masterSignalWait)
	select {
	case <-p.ended:
		return client.StopTerminated
	case <-timer.C:
		return client.StopUnanswered
	}
}

// interrupt passes a local SIGINT, SIGTERM or SIGHUP on to the remote
// command before the caller closes the session, as a direct session's
// forwardSignal does; sshd delivers the signal before it answers, so the
// answer (or masterSignalWait) is all it waits for.
func (p *passengerStop) interrupt(sig os.Signal) {
	name, ok := map[os.Signal]string{
		syscall.SIGINT: "INT", syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP",
	}[sig]
	if ok && p.canSignal() {
		p.signal(name)
	}
}
