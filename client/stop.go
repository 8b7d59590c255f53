package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/keepalive"
)

// killWait bounds each wait for the server after the grace period: for
// its answer to signal KILL and for the channel to close after it, and
// for its answer to the signal that forwards a local SIGINT, SIGTERM,
// SIGHUP or SIGQUIT. A frozen server must not hold gssh past it.
const killWait = time.Second

// StopOutcome says what became of the remote command when gssh ended a
// session early.
type StopOutcome int

const (
	// StopTerminated: the command ended after gssh signalled it.
	StopTerminated StopOutcome = iota + 1
	// StopRefused: the server refused the signal request (sshd does for
	// root logins before 9.8, forced commands and subsystems).
	StopRefused
	// StopUnanswered: the server neither answered nor ended the command
	// in time; it may still be running.
	StopUnanswered
	// StopFinished: the command had already exited; only its output was
	// still being delivered.
	StopFinished
	// StopRemoteTimeout: the server refused the signal, and the server's
	// own deadline (--remote-timeout) ended the command (exit status 124).
	StopRemoteTimeout
	// StopRemoteKilled: the same, but the command outlived the grace and
	// the server's deadline killed it (exit status 137, or signal KILL).
	StopRemoteKilled
)

// DeadlineError reports that Run's context ended during the session (the
// --timeout of cmd/gssh). Run has signalled the remote command TERM, then
// KILL after SessionOptions.KillAfter, closed the channel and restored the
// terminal; it prints nothing.
type DeadlineError struct {
	Outcome StopOutcome
	// Err is context.Cause of Run's context.
	Err error
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("client: session ended early (%v): %s", e.Err, e.Outcome.describe())
}

func (e *DeadlineError) Unwrap() error { return e.Err }

// IdleTimeoutError reports that no session data moved in either direction
// for SessionOptions.IdleTimeout. The remote command was stopped as for a
// DeadlineError.
type IdleTimeoutError struct {
	Outcome StopOutcome
	Err     *keepalive.IdleError
}

func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("client: %v: %s", e.Err, e.Outcome.describe())
}

func (e *IdleTimeoutError) Unwrap() error { return e.Err }

// describe is the outcome as the end of cmd/gssh's one-line message.
func (o StopOutcome) describe() string {
	switch o {
	case StopTerminated:
		return "remote command terminated"
	case StopRefused:
		return "server refused the signal; remote command may still be running"
	case StopFinished:
		return "remote command had exited; its output was not all delivered"
	case StopRemoteTimeout:
		return "the server's own timeout (--remote-timeout) ended the remote command"
	case StopRemoteKilled:
		return "the server's own timeout (--remote-timeout) killed the remote command after the grace"
	}
	return "server did not answer the signal; remote command may still be running"
}

// Describe is the outcome in words, e.g. "remote command terminated".
func (o StopOutcome) Describe() string { return o.describe() }

// stopRemote ends the remote command: signal TERM with want-reply (RFC
// 4254 §6.9), up to grace for the command to exit, then signal KILL. It
// never waits longer than grace plus twice killWait, so a frozen server
// cannot stall it. The caller closes the channel afterwards.
func (s *session) stopRemote(grace time.Duration) StopOutcome {
	select {
	case <-s.closed:
		return StopTerminated
	default:
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	term := s.signal("TERM")
	graceOver := false
	for term != nil && !graceOver {
		select {
		case <-s.closed:
			return StopTerminated
		case <-s.conn.guard.deadChan():
			return StopUnanswered
		case r := <-term:
			if r.err != nil {
				return StopUnanswered
			}
			if !r.ok && s.opts.RemoteDeadline {
				return s.awaitRemoteDeadline(grace)
			}
			if !r.ok {
				return StopRefused
			}
			term = nil // accepted: give the command its grace
		case <-timer.C:
			graceOver = true
		}
	}
	if !graceOver {
		select {
		case <-s.closed:
			return StopTerminated
		case <-s.conn.guard.deadChan():
			return StopUnanswered
		case <-timer.C:
		}
	}
	kill := s.signal("KILL")
	wait := time.NewTimer(killWait)
	defer wait.Stop()
	for {
		select {
		case <-s.closed:
			return StopTerminated
		case r := <-kill:
			if r.err != nil || !r.ok {
				return StopUnanswered
			}
			kill = nil
			wait.Reset(killWait) // accepted: let the channel close
		case <-s.conn.guard.deadChan():
			return StopUnanswered
		case <-wait.C:
			return StopUnanswered
		}
	}
}

// remoteDeadlineSlack is how much later than gssh's the server's
// --remote-timeout deadline may fall: it runs from the command's start,
// after the connection and authentication.
const remoteDeadlineSlack = 2 * time.Second

// awaitRemoteDeadline waits, after the server refused the signal, for
// the server's own deadline (--remote-timeout) to end the command:
// timeout(1) exits 124 when TERM ended it and 137 after KILL; the sh
// watchdog exits 124 or dies of KILL. It waits at most grace plus
// remoteDeadlineSlack.
func (s *session) awaitRemoteDeadline(grace time.Duration) StopOutcome {
	timer := time.NewTimer(grace + remoteDeadlineSlack)
	defer timer.Stop()
	select {
	case <-s.closed:
	case <-s.conn.guard.deadChan():
		return StopUnanswered
	case <-timer.C:
		return StopRefused
	}
	status, err := s.rec.result()
	var sig *RemoteSignalError
	switch {
	case err == nil && status == 124:
		return StopRemoteTimeout
	case err == nil && status == 137, errors.As(err, &sig) && sig.Signal == "KILL":
		return StopRemoteKilled
	}
	return StopTerminated
}

// signalReply is the server's answer to a signal request.
type signalReply struct {
	ok  bool
	err error
}

// signal sends a signal request with want-reply, which x/crypto's
// Session.Signal does not, and delivers the answer on the returned
// channel. The request goroutine ends when the answer comes or the
// channel closes.
func (s *session) signal(name string) <-chan signalReply {
	res := make(chan signalReply, 1)
	s.log.Logf(config.LogDebug1, "channel 0: sending signal %s", name)
	crash.Go(func() {
		ok, err := s.ch.SendRequest("signal", true, ssh.Marshal(struct{ Signal string }{name}))
		res <- signalReply{ok, err}
	})
	return res
}

// forwardSignal passes a local SIGINT, SIGTERM, SIGHUP or SIGQUIT on to
// the remote command before gssh leaves, so an interrupted script leaves
// nothing running where the server allows signals. sshd delivers the
// signal before it answers, so the answer (or killWait) is all it waits
// for.
func (s *session) forwardSignal(sig os.Signal) {
	name, ok := map[os.Signal]string{
		syscall.SIGINT: "INT", syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP", syscall.SIGQUIT: "QUIT",
	}[sig]
	if !ok {
		return
	}
	timer := time.NewTimer(killWait)
	defer timer.Stop()
	select {
	case <-s.signal(name):
	case <-s.closed:
	case <-s.conn.guard.deadChan():
	case <-timer.C:
	}
}

// endEarly builds the error for a session cut short by ctx or the idle timer
// after stopping the remote command.
func (s *session) endEarly(ctx context.Context, idle *idleWatch, finished bool) error {
	outcome := StopFinished
	if !finished {
		outcome = s.stopRemote(s.opts.KillAfter)
	}
	if err := s.conn.guard.deadErr(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return &DeadlineError{Outcome: outcome, Err: context.Cause(ctx)}
	}
	return &IdleTimeoutError{Outcome: outcome, Err: idle.err()}
}

// waitOutput waits for the output copies to finish after the channel
// closed. A local reader that stopped reading must not hold gssh forever:
// the wait also ends when the server is declared dead, ctx ends, or the
// idle timer fires.
func (s *session) waitOutput(ctx context.Context, out *sync.WaitGroup, idle *idleWatch) error {
	done := make(chan struct{})
	crash.Go(func() {
		out.Wait()
		close(done)
	})
	select {
	case <-done:
		return nil
	case <-s.conn.guard.deadChan():
		return s.conn.guard.deadErr()
	case <-ctx.Done():
	case <-idle.fired():
	}
	return s.endEarly(ctx, idle, true)
}
