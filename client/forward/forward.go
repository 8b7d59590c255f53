package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// MaxChannels is how many forwarded connections (-L, -D, -R and
// their ssh_config forms together) a connection carries at once.
//
// The cap exists because of memory, not of the protocol: x/crypto/ssh
// gives every channel a fixed 2 MiB receive window and buffers whatever
// the server sends until it is read, so a forwarded connection whose
// local reader is slower than the remote writer holds up to 2 MiB in
// gssh. ssh's window is the same 2 MiB and it has no cap of its own, but
// its descriptor limit (1024 by default) stops it near a thousand
// forwarded connections; gssh's cap is that number, so the worst case,
// about 2 GiB of buffers, is ssh's too, and as many idle connections are
// needed to fill gssh's table as to exhaust ssh's descriptors. An idle
// forwarded connection costs little (two goroutines and their copy
// buffers). Past the cap, a new local connection is refused at once (a
// SOCKS failure reply, or closed for -L) and channels the server opens
// for -R are refused with "resource shortage"; nothing waits for a slot
// (see negotiate.go).
const MaxChannels = 1024

// Options tune Start.
type Options struct {
	// HostKeyUntrusted is set when the user went on although the host
	// key was not trusted (client.Conn.HostKeyUntrusted): as ssh does,
	// none of the configured forwardings is set up then.
	HostKeyUntrusted bool
	// MaxChannels overrides the package's MaxChannels when positive.
	MaxChannels int
	// NegotiationTimeout overrides DefaultNegotiationTimeout when positive.
	NegotiationTimeout time.Duration
	// MaxNegotiating overrides DefaultMaxNegotiating when positive.
	MaxNegotiating int
	// AfterLocal, when set, is called once the local listeners are set up
	// and before the remote forwards are requested: where ssh.c starts
	// listening for multiplexing clients (muxserver_listen after
	// ssh_init_forwarding, whose remote answers come later), so that a
	// master's messages fall between the two as in ssh.
	AfterLocal func()
	// OutageWait, for a Forwarding made by New, is how long a local
	// connection accepted while there is no connection to the server
	// (between ConnectionLost and Attach) waits for the next one before it is
	// closed (a SOCKS client gets a failure reply). A channel that
	// could not be opened because the connection died under it waits
	// the same way. Start's Forwarding never waits.
	OutageWait time.Duration
}

// Forwarding runs the port forwardings of one connection: the listeners
// of -L and -D, the server's listeners requested for -R, and the channels
// they carry. Close stops it; closing the connection ends it too.
type Forwarding struct {
	link  *link // the connection: one for Start's, one after another for New's
	cfg   *config.Config
	log   *sshlog.Logger
	slots chan struct{} // one token per open forwarded channel
	// full is set when a connection was refused for want of a slot, so
	// that a flood of them is reported once, not once per connection.
	full    atomic.Bool
	pending *negotiations // SOCKS handshakes in progress
	done    chan struct{} // closed by Close
	once    sync.Once
	next    atomic.Int32 // channel numbers for messages, as ssh counts them

	// outageWait is how long a local connection waits for a connection
	// to the server (Options.OutageWait); 0 for Start's Forwarding.
	outageWait time.Duration

	mu        sync.Mutex
	listeners []net.Listener
	locals    []*localForward // by forwarding, for Cancel
	remotes   []*remoteForward
	// wanted are the remote forwardings to hold on every connection:
	// the configured ones and those Add set up, less those cancelled
	// (Attach requests them again).
	wanted []config.Forward
	// opensOn is the connection whose channel opens for -R are being
	// served; nil before the first remote forwarding.
	opensOn *ssh.Client
	// open counts the forwarded channels in use; detached is set by
	// Detach, after which drained, when set, is closed once open is 0.
	open     int
	detached bool
	drained  chan struct{}
}

// Start sets up every LocalForward, DynamicForward and RemoteForward of
// cfg on the connection c, in that order, as ssh(1) does after
// authentication and before the session. log receives ssh's forwarding
// messages ("Allocated port ...", "bind [127.0.0.1]:8080: Address already
// in use"), then and later; it may be nil. Listeners that cannot be
// opened and remote forwards the server refuses are logged as ssh logs
// them;
// with ExitOnForwardFailure the first such failure is returned as an
// *Error (after the Forwarding has been closed), otherwise Start goes on
// without it. Unlike ssh, gssh waits for the server's answers to the
// remote forward requests, so the failure is known before the session
// starts.
//
// With ClearAllForwardings, or when the host key was not trusted
// (Options.HostKeyUntrusted), nothing is set up; forwardings can still
// be added.
func Start(ctx context.Context, c *ssh.Client, cfg *config.Config, log *sshlog.Logger, opts Options) (*Forwarding, error) {
	opts.OutageWait = 0
	f := newForwarding(cfg, log, opts)
	f.link.set(c)
	afterLocal := func() {
		if opts.AfterLocal != nil {
			opts.AfterLocal()
		}
	}
	if cfg.ClearAllForwardings || opts.HostKeyUntrusted {
		afterLocal()
		return f, nil
	}
	if err := f.startLocal(cfg.LocalForwards, cfg.DynamicForwards); err != nil {
		f.Close()
		return nil, err
	}
	afterLocal()
	if err := f.startRemote(ctx, cfg.RemoteForwards); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// newForwarding is a Forwarding without a connection or listeners.
func newForwarding(cfg *config.Config, log *sshlog.Logger, opts Options) *Forwarding {
	limit := opts.MaxChannels
	if limit <= 0 {
		limit = MaxChannels
	}
	return &Forwarding{
		link:       newLink(),
		cfg:        cfg,
		log:        log,
		slots:      make(chan struct{}, limit),
		pending:    newNegotiations(opts.NegotiationTimeout, opts.MaxNegotiating),
		done:       make(chan struct{}),
		outageWait: opts.OutageWait,
	}
}

// Error reports a forwarding that could not be set up while
// ExitOnForwardFailure is on, and a forwarding Add could not set up.
// Error is ssh's fatal message for it; the lines ssh logs before it
// (bind errors) have already gone to the Logger.
type Error struct {
	// Remote is set for a RemoteForward the server refused; otherwise a
	// local listener (-L or -D) could not be opened.
	Remote bool
	// Port and Path name the remote listener (Path for a Unix socket).
	Port int
	Path string
}

func (e *Error) Error() string {
	switch {
	case !e.Remote:
		return "Could not request local forwarding."
	case e.Path != "":
		return "Error: remote port forwarding failed for listen path " + e.Path
	}
	return fmt.Sprintf("Error: remote port forwarding failed for listen port %d", e.Port)
}

// Close stops the listeners and cancels the remote forwards. Forwarded
// connections already open go on until they end or the connection is
// closed.
func (f *Forwarding) Close() error {
	f.once.Do(func() {
		close(f.done)
		f.mu.Lock()
		for _, l := range f.listeners {
			l.Close()
		}
		f.mu.Unlock()
		f.cancelRemote()
	})
	return nil
}

// tryAcquire takes a slot only if one is free. Nothing ever waits for
// one: for channels the server opens, waiting would stall the whole
// connection (x/crypto delivers every open through one goroutine); for
// local connections, it would let connections that never end hold off
// those behind them. A refusal is logged once until a slot frees.
func (f *Forwarding) tryAcquire(refused func()) bool {
	select {
	case f.slots <- struct{}{}:
		f.mu.Lock()
		f.open++
		f.mu.Unlock()
		return true
	default:
		if !f.full.Swap(true) {
			refused()
		}
		return false
	}
}

func (f *Forwarding) release() {
	<-f.slots
	f.full.Store(false)
	f.mu.Lock()
	f.open--
	if f.open == 0 && f.drained != nil {
		close(f.drained)
		f.drained = nil
	}
	f.mu.Unlock()
}

// Detach is what ssh's ~& does to forwarding (channel_stop_listening):
// the -L and -D listeners close, so no new connection is accepted, while
// the connections already forwarded go on, and so do the remote
// forwards (-R), whose listeners are the server's. WaitDetached then
// waits for the open connections.
func (f *Forwarding) Detach() {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.detached = true
	for _, l := range f.listeners {
		l.Close()
	}
}

// WaitDetached returns once no forwarded connection is open when Detach
// was called, as ssh's backgrounded child serves its connections until
// they end; at once otherwise, or when ctx ends.
func (f *Forwarding) WaitDetached(ctx context.Context) {
	if f == nil {
		return
	}
	f.mu.Lock()
	if !f.detached || f.open == 0 {
		f.mu.Unlock()
		return
	}
	if f.drained == nil {
		f.drained = make(chan struct{})
	}
	drained := f.drained
	f.mu.Unlock()
	select {
	case <-drained:
	case <-ctx.Done():
	}
}

// channelNumber returns the number the next forwarded channel gets in
// messages. ssh numbers channels from 0, the session usually being 0 or
// the first after the listeners, so gssh's numbers are close but not
// always equal to ssh's.
func (f *Forwarding) channelNumber() int { return int(f.next.Add(1)) }

// addr is an endpoint as ssh's debug messages name it: the path,
// "PORT" when no host was given, else host and port joined as
// net.JoinHostPort does.
func addr(e config.Endpoint) string {
	switch {
	case e.Path != "":
		return e.Path
	case e.Host == "":
		return strconv.Itoa(e.Port)
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
}

// halfCloser is a connection whose sending direction can be shut alone
// (TCP and Unix connections, SSH channels).
type halfCloser interface {
	CloseWrite() error
}

// pipe copies between a local connection and a channel in both
// directions until both have reached EOF or either fails, passing EOF on
// as a half close, and then closes both.
func pipe(local net.Conn, ch ssh.Channel) {
	var wg sync.WaitGroup
	wg.Add(2)
	oneWay := func(dst io.Writer, src io.Reader, closeWrite func() error) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		_, err := io.CopyBuffer(dst, src, buf)
		if err != nil && !errors.Is(err, io.EOF) {
			local.Close()
			ch.Close()
			return
		}
		closeWrite()
	}
	localCloseWrite := func() error {
		if hc, ok := local.(halfCloser); ok {
			return hc.CloseWrite()
		}
		return local.Close()
	}
	crash.Go(func() { oneWay(ch, local, ch.CloseWrite) })
	crash.Go(func() { oneWay(local, ch, localCloseWrite) })
	wg.Wait()
	local.Close()
	ch.Close()
}
