package client

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ForwardKind is which of -L, -D and -R a forwarding is.
type ForwardKind int

const (
	ForwardLocal   ForwardKind = iota // -L, LocalForward
	ForwardDynamic                    // -D, DynamicForward
	ForwardRemote                     // -R, RemoteForward (dynamic or not)
)

// ErrUnknownForward is what Cancel returns when no forwarding of that
// kind listens at that address.
var ErrUnknownForward = errors.New("client: unknown port forwarding")

// errForwardingClosed: Add after Close.
var errForwardingClosed = errors.New("client: forwarding is closed")

// localForward is one -L or -D with its open listeners.
type localForward struct {
	spec      forwardSpec
	listeners []net.Listener
}

// Add sets up one more forwarding on the running connection, as ssh's
// ~C command line (and a master's -O forward) does. spec is in the
// notation of Config.LocalForwards and its siblings ("LISTEN CONNECT",
// or "LISTEN" for -D and a dynamic -R; config.ParseForward produces it
// from the command-line form). Failures are logged as at start-up
// ("bind [127.0.0.1]:8080: Address already in use", "Warning: remote
// port forwarding failed for listen port 80") and returned as a
// *ForwardError; ExitOnForwardFailure does not end anything here. For
// -R, Add waits for the server's answer and returns the port it listens
// on, the allocated one for port 0; otherwise the port is the listen
// port of spec.
func (f *Forwarding) Add(ctx context.Context, kind ForwardKind, spec string) (port int, err error) {
	fs, err := parseForwardSpec(spec)
	if err != nil {
		return 0, err
	}
	select {
	case <-f.done:
		return 0, errForwardingClosed
	default:
	}
	switch kind {
	case ForwardRemote:
		if err := f.serveOpens(); err != nil {
			return 0, err
		}
		rf, err := f.askRemote(ctx, fs)
		if err != nil {
			return 0, err
		}
		if rf == nil {
			return 0, &ForwardError{Remote: true, Port: fs.listen.port, Path: fs.listen.path}
		}
		return rf.port, nil
	case ForwardLocal:
		if fs.dynamic {
			return 0, fmt.Errorf("client: local forwarding %q has no destination", spec)
		}
	case ForwardDynamic:
		if !fs.dynamic {
			return 0, fmt.Errorf("client: dynamic forwarding %q has a destination", spec)
		}
	}
	if !f.listenLocal(fs) {
		return 0, &ForwardError{}
	}
	return fs.listen.port, nil
}

// Cancel ends the forwarding of kind that listens at listen ("PORT",
// "[HOST]:PORT" or a Unix socket path, as config.ParseForward returns a
// cancel spec), as ~C's -KL, -KD and -KR do: a local forwarding's
// listeners close (connections already forwarded go on), a remote one is
// withdrawn from the server. As in ssh, the address must be the one the
// forwarding was given (channels.c channel_cancel_lport_listener and
// channel_request_rforward_cancel). It returns ErrUnknownForward when
// nothing matched.
func (f *Forwarding) Cancel(kind ForwardKind, listen string) error {
	ep, err := parseEndpoint(listen)
	if err != nil {
		return err
	}
	f.mu.Lock()
	if kind == ForwardRemote {
		for i, rf := range f.remotes {
			if cancelMatches(ep, rf.spec.listen, rf.port, true) {
				f.remotes = append(f.remotes[:i], f.remotes[i+1:]...)
				f.mu.Unlock()
				f.sendCancel(rf)
				return nil
			}
		}
		f.mu.Unlock()
		return ErrUnknownForward
	}
	for i, lf := range f.locals {
		if lf.spec.dynamic == (kind == ForwardDynamic) && cancelMatches(ep, lf.spec.listen, lf.spec.listen.port, false) {
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
// where none, "localhost", "" and "*" are all no address.
func cancelMatches(want, have endpoint, port int, remote bool) bool {
	if want.path != "" || have.path != "" {
		return want.path == have.path
	}
	if want.port != port {
		return false
	}
	if remote {
		return want.hostSet == have.hostSet && want.host == have.host
	}
	return localBindAddr(want) == localBindAddr(have)
}

// localBindAddr is the listening address ssh records for a local
// forwarding: "" for none, "localhost" and the wildcards.
func localBindAddr(ep endpoint) string {
	if !ep.hostSet || ep.host == "localhost" || ep.host == "*" {
		return ""
	}
	return ep.host
}
