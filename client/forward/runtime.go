package forward

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/gssh/gssh/client/config"
)

// ErrUnknownForward is what Cancel returns when no forwarding of that
// kind listens at that address.
var ErrUnknownForward = errors.New("forward: unknown port forwarding")

// errForwardingClosed: Add after Close.
var errForwardingClosed = errors.New("forward: forwarding is closed")

// localForward is one -L or -D with its open listeners.
type localForward struct {
	spec      config.Forward
	listeners []net.Listener
}

// Add sets up one more forwarding on the running connection, as ssh's
// ~C command line (and a master's -O forward) does. A local forwarding
// must have a destination and a dynamic one must be a SOCKS forwarding
// (config.Forward.Dynamic); a remote one may be either. Failures are
// logged as at start-up ("bind [127.0.0.1]:8080: Address already in
// use", "Warning: remote port forwarding failed for listen port 80") and
// returned as an *Error; ExitOnForwardFailure does not end anything
// here. For -R, Add waits for the server's answer and returns the port
// it listens on, the allocated one for port 0; otherwise the port is the
// listen port of fwd.
func (f *Forwarding) Add(ctx context.Context, fwd config.Forward) (port int, err error) {
	select {
	case <-f.done:
		return 0, errForwardingClosed
	default:
	}
	switch fwd.Kind {
	case config.ForwardRemote:
		c := f.link.current()
		if err := f.serveOpens(c); err != nil {
			return 0, err
		}
		rf, err := f.askRemote(ctx, c, fwd)
		if err != nil {
			return 0, err
		}
		if rf == nil {
			if err := f.refused(fwd); err != nil {
				return 0, err
			}
			return 0, &Error{Remote: true, Port: fwd.Listen.Port, Path: fwd.Listen.Path}
		}
		f.mu.Lock()
		f.wanted = append(f.wanted, fwd)
		f.mu.Unlock()
		return rf.port, nil
	case config.ForwardLocal:
		if fwd.Dynamic() {
			return 0, fmt.Errorf("forward: local forwarding %s has no destination", fwd)
		}
	case config.ForwardDynamic:
		if !fwd.Dynamic() {
			return 0, fmt.Errorf("forward: dynamic forwarding %s has a destination", fwd)
		}
	default:
		return 0, fmt.Errorf("forward: forwarding %s of unknown kind %d", fwd, fwd.Kind)
	}
	if !f.listenLocal(fwd) {
		return 0, &Error{}
	}
	return fwd.Listen.Port, nil
}

// Cancel ends the forwarding of kind that listens at listen, as ~C's
// -KL, -KD and -KR do: a local forwarding's listeners close (connections
// already forwarded go on), a remote one is withdrawn from the server.
// As in ssh, the address must be the one the forwarding was given
// (channels.c channel_cancel_lport_listener and
// channel_request_rforward_cancel). It returns ErrUnknownForward when
// nothing matched.
func (f *Forwarding) Cancel(kind config.ForwardKind, listen config.Endpoint) error {
	f.mu.Lock()
	if kind == config.ForwardRemote {
		for i, rf := range f.remotes {
			if cancelMatches(listen, rf.spec.Listen, rf.port, true) {
				f.remotes = append(f.remotes[:i], f.remotes[i+1:]...)
				f.unwantLocked(rf.spec)
				f.mu.Unlock()
				f.sendCancel(rf)
				return nil
			}
		}
		f.mu.Unlock()
		return ErrUnknownForward
	}
	for i, lf := range f.locals {
		if lf.spec.Dynamic() == (kind == config.ForwardDynamic) && cancelMatches(listen, lf.spec.Listen, lf.spec.Listen.Port, false) {
			f.locals = append(f.locals[:i], f.locals[i+1:]...)
			f.mu.Unlock()
			for _, l := range lf.listeners {
				l.Close()
			}
			return nil
		}
	}
	f.mu.Unlock()
	return ErrUnknownForward
}

// cancelMatches reports whether a cancel spec names a forwarding that
// listens at have (on port, which for -R 0 is the allocated one). A
// remote forwarding's address is compared as given (none only matches
// none); a local one's as channels.c channel_fwd_bind_addr reduces it,
// where none, "localhost" and "*" are all no address.
func cancelMatches(want, have config.Endpoint, port int, remote bool) bool {
	if want.Path != "" || have.Path != "" {
		return want.Path == have.Path
	}
	if want.Port != port {
		return false
	}
	if remote {
		return want.Host == have.Host
	}
	return localBindAddr(want) == localBindAddr(have)
}

// localBindAddr is the listening address ssh records for a local
// forwarding: "" for none, "localhost" and the wildcard.
func localBindAddr(ep config.Endpoint) string {
	if ep.Host == "localhost" || ep.Host == "*" {
		return ""
	}
	return ep.Host
}

// AllocatedPort returns the port the server chose for the remote
// forwarding spec, whose listen port is 0, when this Forwarding holds it:
// ssh's master keeps it (allocated_port) to answer a client that asks for
// the same -R 0 again (mux.c mux_master_process_open_fwd).
func (f *Forwarding) AllocatedPort(spec config.Forward) (int, bool) {
	if spec.Kind != config.ForwardRemote || spec.Listen.Path != "" || spec.Listen.Port != 0 {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rf := range f.remotes {
		if rf.port != 0 && rf.spec.Canonical() == spec.Canonical() {
			return rf.port, true
		}
	}
	return 0, false
}
