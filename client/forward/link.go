package forward

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// Forwardings that outlive their connections, for gssh --reconnect
// (package tunnel): New opens nothing and has no connection; Listen
// opens the local listeners of -L and -D once; Attach gives the
// Forwarding a connection and asks the server for every -R on it; ConnectionLost
// takes the connection away when it is lost. The listeners stay bound
// throughout, so a client of a local port never finds it gone: a
// connection accepted while there is no connection to the server waits
// for the next one (Options.OutageWait) and is then carried by it, or
// closed when none comes in time.

// errNoConnection: the Forwarding has no connection to the server (it
// was detached, or the connection was replaced while a request waited).
var errNoConnection = errors.New("no connection to the server")

// link is the connection a Forwarding works through, read afresh for
// every channel it opens and every request it sends.
type link struct {
	mu      sync.Mutex
	c       *ssh.Client   // nil while detached
	changed chan struct{} // closed and replaced whenever c changes
}

func newLink() *link { return &link{changed: make(chan struct{})} }

// current is the connection now, nil when there is none.
func (l *link) current() *ssh.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c
}

// set makes c the connection (nil: none).
func (l *link) set(c *ssh.Client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c = c
	close(l.changed)
	l.changed = make(chan struct{})
}

// wait returns the connection as soon as there is one other than stale
// (a connection that was found dead), waiting at most limit for it, or
// until done is closed; nil when none came.
func (l *link) wait(done <-chan struct{}, limit time.Duration, stale *ssh.Client) *ssh.Client {
	var expired <-chan time.Time
	for {
		l.mu.Lock()
		c, changed := l.c, l.changed
		l.mu.Unlock()
		if c != nil && c != stale {
			return c
		}
		if limit <= 0 {
			return nil
		}
		if expired == nil {
			t := time.NewTimer(limit)
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-changed:
		case <-expired:
			return nil
		case <-done:
			return nil
		}
	}
}

// New returns a Forwarding for cfg's forwardings that has no connection
// yet and opens nothing: call Listen, then Attach with each connection
// and ConnectionLost when it is lost. With ClearAllForwardings nothing is set
// up. Unlike Start, it does not look at Options.HostKeyUntrusted: the
// caller must not Attach a connection whose host key was not trusted.
func New(cfg *config.Config, log *sshlog.Logger, opts Options) *Forwarding {
	f := newForwarding(cfg, log, opts)
	if !cfg.ClearAllForwardings {
		f.wanted = append(f.wanted, cfg.RemoteForwards...)
	}
	return f
}

// Listen opens the listeners of every LocalForward and DynamicForward,
// as Start does first: failures are logged as ssh logs them, and with
// ExitOnForwardFailure the first is returned as an *Error (the
// Forwarding is then closed).
func (f *Forwarding) Listen() error {
	if f.cfg.ClearAllForwardings {
		return nil
	}
	if err := f.startLocal(f.cfg.LocalForwards, f.cfg.DynamicForwards); err != nil {
		f.Close()
		return err
	}
	return nil
}

// Attach makes c the connection the Forwarding works through: local
// connections waiting for one are carried by it from now on, and every
// remote forwarding (the configured ones and those Add set up since) is
// requested on c, in order, waiting for each answer. The ports the
// server allocates for -R 0 are logged again ("Allocated port …"), and
// may differ from the last connection's. It returns the remote
// forwardings the server refused, without logging them, for the caller
// to report and retry with Retry; an error means c or ctx failed before
// every answer came.
func (f *Forwarding) Attach(ctx context.Context, c *ssh.Client) (refused []config.Forward, err error) {
	select {
	case <-f.done:
		return nil, errForwardingClosed
	default:
	}
	f.mu.Lock()
	f.remotes = nil
	wanted := append([]config.Forward(nil), f.wanted...)
	f.mu.Unlock()
	f.link.set(c)
	if len(wanted) == 0 {
		return nil, nil
	}
	if err := f.serveOpens(c); err != nil {
		return nil, err
	}
	for _, spec := range wanted {
		rf, err := f.askRemote(ctx, c, spec)
		if err != nil {
			return nil, err
		}
		if rf == nil {
			refused = append(refused, spec)
		}
	}
	return refused, nil
}

// Retry asks the server again for a remote forwarding Attach reported
// refused; ok is false when it refused again. An error means the
// connection or ctx failed.
func (f *Forwarding) Retry(ctx context.Context, spec config.Forward) (ok bool, err error) {
	c := f.link.current()
	if c == nil {
		return false, fmt.Errorf("forward: %w", errNoConnection)
	}
	rf, err := f.askRemote(ctx, c, spec)
	return rf != nil, err
}

// ConnectionLost takes the connection away, once it is lost: its remote
// listeners are forgotten (they went with it; nothing is sent), and
// local connections accepted from now on wait for the next Attach.
func (f *Forwarding) ConnectionLost() {
	f.mu.Lock()
	f.remotes = nil
	f.mu.Unlock()
	f.link.set(nil)
}

// unwantLocked drops spec from the remote forwardings Attach restores;
// f.mu is held.
func (f *Forwarding) unwantLocked(spec config.Forward) {
	for i, w := range f.wanted {
		if w == spec {
			f.wanted = append(f.wanted[:i], f.wanted[i+1:]...)
			return
		}
	}
}
