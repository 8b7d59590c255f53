package tunnel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/reconnect"
)

// DefaultOutageWait is how long a local connection accepted while the
// tunnel is down waits for the next connection.
const DefaultOutageWait = 10 * time.Second

// DefaultAttemptLimit bounds one attempt when ConnectTimeout is not set
// (with it, client.Dial bounds the connect and the handshake itself).
const DefaultAttemptLimit = 60 * time.Second

// Options configure Run.
type Options struct {
	// Config is the destination's resolved configuration, whose
	// forwardings the tunnel holds.
	Config *config.Config
	// Log receives the tunnel's lines and the forwardings' messages.
	Log *sshlog.Logger
	// First is the first connection, made by the caller as ssh makes it
	// (prompts and all). When it failed, First is nil and FirstErr says
	// why: Run then returns FirstErr at once unless the Policy lifts the
	// first-connection gate.
	First    *client.Conn
	FirstErr error
	// Dial makes one reconnection attempt. It must not prompt.
	Dial func(ctx context.Context) (*client.Conn, error)
	// Policy paces the attempts (package reconnect).
	Policy reconnect.Policy
	// Forward tunes the forwardings; OutageWait defaults to
	// DefaultOutageWait.
	Forward forward.Options
	// Notifier reports to systemd; nil for none.
	Notifier *Notifier
	// Describe renders an error as one line in ssh's words, for the line
	// printed at each loss or failed attempt; nil uses Error.
	Describe func(error) string
	// Ready is called once, when the first connection's forwardings are
	// up (-f's parent may go, LocalCommand may run).
	Ready func()
	// Connected, when set, is called with each connection once its
	// forwardings are set up (the registry of live processes reads its
	// keepalive state).
	Connected func(*client.Conn)
	// End, when closed, ends the run (gssh --end): Run returns ErrEnded
	// instead of reconnecting, whatever else happens meanwhile.
	End <-chan struct{}
	// AttemptLimit bounds each attempt without ConnectTimeout; 0 means
	// DefaultAttemptLimit.
	AttemptLimit time.Duration
}

// GaveUpError ends a run after Policy.MaxAttempts attempts failed in a
// row. Run has printed the last attempt's failure; gssh exits 255.
type GaveUpError struct {
	Attempts int
	Err      error // the last attempt's failure
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("tunnel: gave up after %d attempts: %v", e.Attempts, e.Err)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// UntrustedError refuses a connection whose host key was not trusted
// (StrictHostKeyChecking=no let it go on): ssh would run no forwarding
// over it, and a tunnel that exists for its forwardings counts it as a
// failed attempt.
type UntrustedError struct {
	Host string
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("host key for %s is not trusted: no forwarding over this connection", e.Host)
}

// attemptTimeout is an attempt that AttemptLimit ended.
type attemptTimeout struct {
	host  string
	port  int
	limit time.Duration
}

func (e *attemptTimeout) Error() string {
	return fmt.Sprintf("connection to %s port %d not established within %v", e.host, e.port, e.limit)
}

// ErrEnded is what Run returns once Options.End is closed.
var ErrEnded = errors.New("tunnel: ended on request")

// errForced is the reason of a reconnection SIGUSR1 asked for.
var errForced = errors.New("SIGUSR1 received")

// signalled is a signal that ends the run.
type signalled struct{ sig os.Signal }

func (s *signalled) Error() string { return "signal " + s.sig.String() }

// runner is the state of one Run.
type runner struct {
	opts  Options
	cfg   *config.Config
	log   *sshlog.Logger
	sched *reconnect.Schedule
	clock reconnect.Clock
	fwd   *forward.Forwarding
	sigc  chan os.Signal
	force os.Signal // SIGUSR1; nil where there is none
	ready bool
}

// Run holds the tunnel until a signal, ctx, the gate or the attempt
// bound ends it. It returns nil for SIGTERM (gssh exits 0, as ssh -N
// does), a *client.LocalSignalError for SIGHUP, SIGINT and SIGQUIT,
// FirstErr when the first connection failed behind the gate, a
// *forward.Error when ExitOnForwardFailure ended the first connection's
// set-up, a *GaveUpError after MaxAttempts failed attempts, an
// *UntrustedError for a first connection with an untrusted host key,
// ErrEnded once Options.End is closed, or ctx's error.
func Run(ctx context.Context, opts Options) error {
	if opts.Forward.OutageWait <= 0 {
		opts.Forward.OutageWait = DefaultOutageWait
	}
	if opts.AttemptLimit <= 0 {
		opts.AttemptLimit = DefaultAttemptLimit
	}
	r := &runner{
		opts:  opts,
		cfg:   opts.Config,
		log:   opts.Log,
		sched: reconnect.New(opts.Policy),
		sigc:  make(chan os.Signal, 1),
		force: forceSignal(),
	}
	r.clock = r.sched.Clock()
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM} {
		// As ssh, gssh leaves ignored signals ignored (nohup).
		if !signal.Ignored(s) {
			signal.Notify(r.sigc, s)
		}
	}
	if r.force != nil {
		signal.Notify(r.sigc, r.force)
	}
	defer signal.Stop(r.sigc)
	err := r.run(ctx)
	var sig *signalled
	if errors.As(err, &sig) {
		if sig.sig == syscall.SIGTERM {
			opts.Notifier.Stopping()
			return nil
		}
		return &client.LocalSignalError{Signal: sig.sig}
	}
	return err
}

func (r *runner) run(ctx context.Context) error {
	conn := r.opts.First
	if conn != nil {
		if err := r.trusted(conn); err != nil {
			conn = nil
			r.opts.FirstErr = err
		}
	}
	var d reconnect.Decision
	if conn == nil {
		d = r.sched.Failed()
		if !d.Retry {
			return r.opts.FirstErr
		}
		line := fmt.Sprintf("%s; retrying in %s (%s)", r.describe(r.opts.FirstErr), wait(d.Wait), d)
		r.say("%s", line)
		r.opts.Notifier.Status(line)
	}
	r.fwd = forward.New(r.cfg, r.log, r.opts.Forward)
	defer r.fwd.Close()
	if err := r.fwd.Listen(); err != nil {
		if conn != nil {
			conn.Close()
		}
		return err
	}
	for {
		if conn == nil {
			if err := r.sleep(ctx, d.Wait); err != nil {
				return err
			}
			attempt := d
			var err error
			conn, err = r.attempt(ctx)
			if err != nil {
				var sig *signalled
				if errors.As(err, &sig) || errors.Is(err, ErrEnded) || ctx.Err() != nil {
					return err
				}
				d = r.sched.Failed()
				line := fmt.Sprintf("Reconnect %s failed: %s; ", attempt, r.describe(err))
				if d.Retry {
					line += fmt.Sprintf("retrying in %s (%s)", wait(d.Wait), d)
				} else {
					line += "giving up"
				}
				r.say("%s", line)
				r.opts.Notifier.Status(line)
				if !d.Retry {
					return &GaveUpError{Attempts: d.Attempt, Err: err}
				}
				continue
			}
		}
		lost, err := r.serve(ctx, conn)
		conn = nil
		if err != nil {
			return err
		}
		d = r.sched.Lost()
		if errors.Is(lost, errForced) {
			d.Wait = 0
		}
		line := fmt.Sprintf("%s; reconnecting in %s (%s)", r.describe(lost), wait(d.Wait), d)
		r.say("%s", line)
		r.opts.Notifier.Status(line)
	}
}

// serve runs one connection from the set-up of its forwardings to its
// end. lost is why it ended when the tunnel goes on; err ends the run.
// A connection that fails while its remote forwardings are requested
// came up and was lost, like any other.
func (r *runner) serve(ctx context.Context, conn *client.Conn) (lost error, err error) {
	defer conn.Close()
	first := !r.ready
	refused, err := r.fwd.Attach(ctx, conn.Client)
	if err != nil {
		r.fwd.ConnectionLost()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tunnel: %w", context.Cause(ctx))
		}
		r.sched.Connected()
		return fmt.Errorf("setting up forwardings: %w", err), nil
	}
	if len(refused) > 0 && first && r.cfg.ExitOnForwardFailure && !r.opts.Policy.RetryFirst {
		spec := refused[0]
		return nil, &forward.Error{Remote: true, Port: spec.Listen.Port, Path: spec.Listen.Path}
	}
	r.sched.Connected()
	status := fmt.Sprintf("Connected to %s port %d", r.cfg.HostName, r.cfg.Port)
	if len(refused) > 0 {
		status += fmt.Sprintf("; %d remote forwarding(s) pending", len(refused))
	}
	if r.opts.Connected != nil {
		r.opts.Connected(conn)
	}
	if first {
		r.ready = true
		if r.opts.Ready != nil {
			r.opts.Ready()
		}
		r.opts.Notifier.Ready(status)
	} else {
		r.log.Logf(config.LogVerbose, "Reconnected to %s port %d.", r.cfg.HostName, r.cfg.Port)
		r.opts.Notifier.Status(status)
	}

	connCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	crash.Go(func() { r.opts.Notifier.Watch(connCtx, Healthy(conn)) })
	if len(refused) > 0 {
		crash.Go(func() { r.restoreRemotes(connCtx, refused) })
	}
	ended := make(chan error, 1)
	crash.Go(func() { ended <- conn.Wait(connCtx) })
	select {
	case lost = <-ended:
	case sig := <-r.sigc:
		if sig != r.force {
			return nil, &signalled{sig}
		}
		lost = errForced
	case <-r.opts.End:
	case <-ctx.Done():
		return nil, fmt.Errorf("tunnel: %w", context.Cause(ctx))
	}
	if r.endRequested() {
		// --end closes the connection itself: not a loss.
		return nil, ErrEnded
	}
	cancel()
	r.fwd.ConnectionLost()
	return lost, nil
}

// attempt dials once, bounded by AttemptLimit unless ConnectTimeout
// bounds it already, and answers the signals that arrive meanwhile:
// SIGUSR1 is ignored (an attempt is under way), the others end the run.
func (r *runner) attempt(ctx context.Context) (*client.Conn, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	if r.cfg.ConnectTimeout <= 0 {
		actx, cancel = context.WithTimeout(actx, r.opts.AttemptLimit)
		defer cancel()
	}
	type result struct {
		conn *client.Conn
		err  error
	}
	res := make(chan result, 1)
	crash.Go(func() {
		c, err := r.opts.Dial(actx)
		res <- result{c, err}
	})
	for {
		select {
		case out := <-res:
			if out.err != nil {
				if actx.Err() != nil && ctx.Err() == nil {
					return nil, &attemptTimeout{host: r.cfg.HostName, port: r.cfg.Port, limit: r.opts.AttemptLimit}
				}
				return nil, out.err
			}
			if err := r.trusted(out.conn); err != nil {
				return nil, err
			}
			return out.conn, nil
		case sig := <-r.sigc:
			if sig == r.force {
				r.log.Logf(config.LogDebug1, "SIGUSR1 during a reconnection attempt: ignored")
				continue
			}
			cancel()
			if out := <-res; out.conn != nil {
				out.conn.Close()
			}
			return nil, &signalled{sig}
		case <-r.opts.End:
			cancel()
			if out := <-res; out.conn != nil {
				out.conn.Close()
			}
			return nil, ErrEnded
		}
	}
}

// trusted refuses (and closes) a connection whose host key was not
// trusted.
func (r *runner) trusted(conn *client.Conn) error {
	if !conn.HostKeyUntrusted {
		return nil
	}
	conn.Close()
	return &UntrustedError{Host: r.cfg.HostName}
}

// sleep waits d on the Schedule's clock. SIGUSR1 cuts it short; the
// other signals and ctx end the run.
func (r *runner) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := r.clock.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C():
			return nil
		case sig := <-r.sigc:
			if sig == r.force {
				r.log.Logf(config.LogVerbose, "SIGUSR1: reconnecting now.")
				return nil
			}
			return &signalled{sig}
		case <-r.opts.End:
			return ErrEnded
		case <-ctx.Done():
			return fmt.Errorf("tunnel: %w", context.Cause(ctx))
		}
	}
}

// endRequested reports whether Options.End is closed.
func (r *runner) endRequested() bool {
	select {
	case <-r.opts.End:
		return true
	default:
		return false
	}
}

// restoreRemotes asks the server again for the remote forwardings it
// refused on this connection, with the Policy's backoff, until it grants
// them or the connection ends. The usual cause is the lost session still
// holding the port until sshd notices it is gone (ClientAlive*) or the
// process is killed. The first refusal of each is printed with the time
// of the next request, the later ones only at DEBUG1, and the grant
// again at INFO.
func (r *runner) restoreRemotes(ctx context.Context, pending []config.Forward) {
	backoff := reconnect.NewBackoff(r.opts.Policy)
	next := backoff.Next()
	for _, spec := range pending {
		r.say("Warning: remote port forwarding failed for %s; retrying in %s", listenName(spec), wait(next))
	}
	for len(pending) > 0 {
		t := r.clock.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		next = backoff.Next()
		var still []config.Forward
		for _, spec := range pending {
			ok, err := r.fwd.Retry(ctx, spec)
			switch {
			case err != nil:
				return // the connection is ending; the next one starts afresh
			case ok:
				r.say("Remote port forwarding for %s restored.", listenName(spec))
			default:
				r.log.Logf(config.LogDebug1, "remote port forwarding failed for %s; retrying in %s", listenName(spec), wait(next))
				still = append(still, spec)
			}
		}
		pending = still
		if len(pending) == 0 {
			r.opts.Notifier.Status(fmt.Sprintf("Connected to %s port %d", r.cfg.HostName, r.cfg.Port))
		}
	}
}

// listenName names a remote forwarding's listener as ssh's messages do.
func listenName(spec config.Forward) string {
	if spec.Listen.Path != "" {
		return "listen path " + spec.Listen.Path
	}
	return fmt.Sprintf("listen port %d", spec.Listen.Port)
}

// say prints one of the tunnel's lines at INFO (-q silences them).
func (r *runner) say(format string, args ...any) {
	r.log.Logf(config.LogInfo, format, args...)
}

// describe is err as one line, without the full stop ssh ends some
// messages with, so that the tunnel's "; reconnecting …" can follow.
func (r *runner) describe(err error) string {
	s := err.Error()
	if r.opts.Describe != nil {
		s = r.opts.Describe(err)
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

// wait renders a wait as the tunnel's lines show it, to a tenth of a
// second: "0.8s", "42.0s".
func wait(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}
