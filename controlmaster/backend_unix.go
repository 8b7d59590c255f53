//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/escape"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
)

// backend runs the master's requests on its SSH connection.
type backend struct {
	conn    *client.Conn
	cfg     *config.Config
	log     *sshlog.Logger
	started time.Time
	dead    chan struct{} // closed when the SSH connection has ended
	// fwd takes -O forward and -O cancel. A foreground master gets it
	// from Master.UseForwarding once the forwardings are set up, after
	// listening.
	fwd atomic.Pointer[forward.Forwarding]

	mu       sync.Mutex
	next     int
	channels map[int]string // open sessions and forwards, for -O channels
	probe    *upstreamProbe // the keepalive in flight for CheckUpstream, or nil

	// rtt holds the connection's measured round trips, from which the
	// master judges its server's silences (budget_unix.go).
	rtt rttWindow

	// fwdMu serialises OPEN_FWD and CLOSE_FWD, and is held while the
	// server answers a -R: two passengers asking for the same
	// forwarding at once must see one of them open it and the other
	// find it open, as mux.c's single event loop makes it.
	fwdMu sync.Mutex
	// forwards are the forwardings this master holds, as mux.c keeps
	// them in options.local_forwards and remote_forwards: its own
	// command line's, then those its clients asked for.
	forwards []heldForward
}

// heldForward is one forwarding as a client asked for it, with the
// port the server chose for a remote one with listen port 0.
type heldForward struct {
	mux.Forward
	allocated uint32
}

// newBackend serves conn; login, when not zero, is how long
// connecting and authenticating took (see rttWindow.provisional).
func newBackend(conn *client.Conn, cfg *config.Config, log *sshlog.Logger, login time.Duration) *backend {
	b := &backend{conn: conn, cfg: cfg, log: log, started: time.Now(),
		dead: make(chan struct{}), channels: make(map[int]string)}
	b.rtt.provisional = login
	for _, f := range configForwards(cfg) {
		// The port the server chose for the master's own -R 0 is not
		// known yet: Forward asks the Forwarding for it.
		if f.Kind != mux.ForwardRemote || f.ListenPort != 0 {
			b.forwards = append(b.forwards, heldForward{Forward: f})
		}
	}
	crash.Go(func() {
		conn.Client.Wait()
		close(b.dead)
	})
	// A first round trip, so that the budget is the connection's own
	// by the time passengers ask.
	b.startProbe()
	return b
}

// errSessionRefused is mux.c's reason when the server refused the channel.
var errSessionRefused = errors.New("Session open refused by peer")

// Session runs a client's session on the shared connection.
func (b *backend) Session(ctx context.Context, r *mux.SessionRequest) (int, error) {
	var terminal *tty.Terminal
	if r.WantTTY {
		terminal = tty.Open(r.StdinFD)
	}
	what := "shell"
	if r.Command != "" {
		what = strconv.Quote(r.Command)
	}
	if r.WantTTY {
		what += " (pty)"
	}
	defer b.track("session " + what)()
	// Every channel open is a round trip to measure; a checked one is
	// also judged (SessionCheck).
	openWait := func(answered <-chan struct{}) error {
		start := time.Now()
		if !r.CheckUpstream {
			<-answered
		} else if err := b.awaitServer(ctx, answered); err != nil {
			return err
		}
		b.rtt.add(time.Since(start))
		return nil
	}
	signals, stopSignals := relaySignals(r.Signals)
	defer stopSignals()
	opened := false
	status, err := b.conn.RunShared(ctx, client.SharedSession{
		PTY:       r.WantTTY,
		Term:      r.Term,
		Command:   r.Command,
		Subsystem: r.Subsystem,
		Env:       client.PermittedEnv(r.Env, b.cfg),
		X11:       r.WantX11,
		Stdin:     r.Stdin,
		Stdout:    r.Stdout,
		Stderr:    r.Stderr,
		TTY:       terminal,
		Resize:    r.Resize,
		Opened: func() {
			opened = true
			r.Opened()
		},
		PTYRefused: r.TTYFailed,
		// As mux.c, escapes are the master's job, with the passenger's
		// escape character, and only for a pty session.
		Filter:   client.EscapeFilter(client.EscapeOptions{Char: passengerEscapeChar(r.EscapeChar)}),
		Signals:  signals,
		OpenWait: openWait,
	}, b.log)
	var silent *silentError
	if errors.As(err, &silent) {
		b.log.Logf(config.LogVerbose, "mux session: %v", err)
		return status, mux.ErrUpstreamNotResponding
	}
	if err != nil && !opened {
		b.log.Logf(config.LogDebug1, "mux session: %v", err)
		return status, errSessionRefused
	}
	return status, err
}

// relaySignals passes the master's SignalSession requests on to
// RunShared until stop is called; a request that arrives as the session
// ends is answered with errSessionEnded rather than left waiting.
func relaySignals(in <-chan mux.Signal) (out <-chan client.SignalRequest, stop func()) {
	ch := make(chan client.SignalRequest)
	done := make(chan struct{})
	crash.Go(func() {
		for {
			select {
			case s := <-in:
				res := make(chan error, 1)
				select {
				case ch <- client.SignalRequest{Name: s.Name, Result: res}:
					crash.Go(func() {
						// RunShared always answers, at the latest when
						// the channel closes.
						err := <-res
						if errors.Is(err, client.ErrSignalRefused) {
							err = mux.ErrSignalRefused
						}
						s.Result <- err
					})
				case <-done:
					s.Result <- errSessionEnded
					return
				}
			case <-done:
				return
			}
		}
	})
	return ch, func() { close(done) }
}

// errSessionEnded answers a signal for a session that has just ended.
var errSessionEnded = errors.New("session ended")

// CheckUpstream is the master's side of self-healing: any reply to a
// keepalive@openssh.com request (sshd answers with failure) proves the
// connection alive; its end, or a silence longer than the master's
// budget, proves it dead (awaitServer). Checks that arrive while a probe
// is in flight wait for that probe's reply rather than sending their
// own: x/crypto answers global requests one after another, so a hundred
// passengers starting at once would otherwise queue a hundred round
// trips. A reply that arrives after a check began proves the connection
// alive at that time.
func (b *backend) CheckUpstream(ctx context.Context) error {
	p := b.startProbe()
	if err := b.awaitServer(ctx, p.done); err != nil {
		return err
	}
	return p.err
}

// awaitServer is awaitServer with this master's connection, budget and
// record of reads.
func (b *backend) awaitServer(ctx context.Context, answered <-chan struct{}) error {
	budget := b.rtt.budget()
	b.log.Logf(config.LogDebug2, "mux: waiting for the server, budget %v", budget)
	return awaitServer(ctx, answered, b.dead, budget, func() time.Time {
		st, ok := b.conn.KeepaliveState()
		if !ok {
			return time.Time{}
		}
		return st.LastRead
	})
}

// startProbe returns the keepalive in flight, sending one if none is.
func (b *backend) startProbe() *upstreamProbe {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.probe == nil {
		b.probe = &upstreamProbe{done: make(chan struct{})}
		p := b.probe
		crash.Go(func() { b.runProbe(p) })
	}
	return b.probe
}

// upstreamProbe is one keepalive in flight; err is set before done closes.
type upstreamProbe struct {
	done chan struct{}
	err  error
}

// runProbe sends p's keepalive and records its round trip. x/crypto's
// SendRequest cannot be cancelled: on a dead connection it returns when
// the connection closes.
func (b *backend) runProbe(p *upstreamProbe) {
	start := time.Now()
	if _, _, err := b.conn.Client.SendRequest("keepalive@openssh.com", true, nil); err != nil {
		p.err = fmt.Errorf("%w: %w", errUpstreamLost, err)
	} else {
		b.rtt.add(time.Since(start))
	}
	b.mu.Lock()
	b.probe = nil
	b.mu.Unlock()
	close(p.done)
}

// passengerEscapeChar turns NEW_SESSION's escape character into
// EscapeOptions.Char: NoEscapeChar, or anything that is not a byte (mux.c
// would truncate it), means none.
func passengerEscapeChar(c uint32) int {
	if c > 0xff {
		return escape.None
	}
	return int(c)
}

// StdioForward is -W through the master: a direct-tcpip (or
// direct-streamlocal) channel relayed to the client's descriptors.
func (b *backend) StdioForward(ctx context.Context, r *mux.StdioRequest) error {
	network, addr := "tcp", net.JoinHostPort(r.ConnectHost, strconv.Itoa(int(r.ConnectPort)))
	if r.ConnectPort == mux.PortStreamLocal {
		network, addr = "unix", r.ConnectHost
	}
	ch, err := b.conn.Client.DialContext(ctx, network, addr)
	if err != nil {
		return fmt.Errorf("stdio forward to %s: %w", addr, err)
	}
	defer ch.Close()
	defer b.track("stdio forward to " + addr)()
	r.Opened()
	done := make(chan struct{}, 2)
	crash.Go(func() {
		io.Copy(ch, r.Stdin)
		if cw, ok := ch.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	})
	crash.Go(func() {
		io.Copy(r.Stdout, ch)
		done <- struct{}{}
	})
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// Forward is MUX_C_OPEN_FWD and MUX_C_CLOSE_FWD (-O forward, -O cancel,
// and a passenger's own -L, -D and -R) on the master's Forwarding, with
// mux.c's reasons for failures. As mux_master_process_open_fwd does, a
// forwarding identical to one the master holds is answered at once: OK,
// or for a -R 0 the port allocated the first time. A client that asks
// for what is already there (a second passenger with the same -L) thus
// succeeds instead of failing to bind. Any other new forwarding is first
// put to the user under ControlMaster ask or autoask ("Open local
// forward LOCALHOST:8080 -> web:80 on HOST?"); a no is PERMISSION_DENIED.
// Cancelling is never asked, as in mux.c.
func (b *backend) Forward(f mux.Forward, cancel bool) (uint32, error) {
	fwd := b.fwd.Load()
	if fwd == nil {
		return 0, errors.New("port forwarding is not set up yet")
	}
	b.fwdMu.Lock()
	defer b.fwdMu.Unlock()
	if cancel {
		if _, err := b.changeForward(fwd, f, true); err != nil {
			return 0, err
		}
		b.dropForward(f)
		return 0, nil
	}
	if reason := invalidForward(f); reason != "" {
		b.log.Logf(config.LogInfo, "mux_master_process_open_fwd: %s", reason)
		return 0, errors.New("Invalid forwarding request")
	}
	for _, h := range b.forwards {
		if h.Forward == f {
			b.log.Logf(config.LogDebug2, "mux_master_process_open_fwd: found existing forwarding")
			return h.allocated, nil
		}
	}
	if f.Kind == mux.ForwardRemote && f.ListenPort == 0 {
		// The master's own -R 0 (or one added by ~C): mux.c answers
		// with the port allocated then ("found allocated port").
		if port, ok := fwd.AllocatedPort(configForward(f)); ok {
			b.log.Logf(config.LogDebug2, "mux_master_process_open_fwd: found allocated port")
			b.forwards = append(b.forwards, heldForward{Forward: f, allocated: uint32(port)})
			return uint32(port), nil
		}
	}
	if askMaster(b.cfg) && !askPermission(fmt.Sprintf("Open %s on %s?", describeForward(f, b.cfg.GatewayPorts), b.cfg.HostName)) {
		b.log.Logf(config.LogDebug2, "mux_master_process_open_fwd: forwarding refused by user")
		return 0, mux.ErrPermissionDenied
	}
	port, err := b.changeForward(fwd, f, false)
	if err != nil {
		return 0, err
	}
	b.forwards = append(b.forwards, heldForward{Forward: f, allocated: port})
	return port, nil
}

// invalidForward is mux_master_process_open_fwd's check of a request,
// made before anything is looked up or asked: it returns why f cannot
// be opened, or "".
func invalidForward(f mux.Forward) string {
	switch {
	case f.Kind != mux.ForwardLocal && f.Kind != mux.ForwardRemote && f.Kind != mux.ForwardDynamic:
		return fmt.Sprintf("invalid forwarding type %d", uint32(f.Kind))
	case f.Kind == mux.ForwardDynamic && f.ListenPort == mux.PortStreamLocal:
		return "streamlocal and dynamic forwards are mutually exclusive"
	case f.Kind == mux.ForwardLocal && f.ConnectPort == 0:
		return "invalid connect port 0"
	case f.Kind != mux.ForwardDynamic && f.ConnectHost == "":
		return "missing connect host"
	}
	return ""
}

// dropForward forgets the held forwardings that a successful CLOSE_FWD
// for f ended: the Forwarding matched them by kind and listen address.
func (b *backend) dropForward(f mux.Forward) {
	kept := b.forwards[:0]
	for _, h := range b.forwards {
		if h.Kind != f.Kind || h.ListenHost != f.ListenHost || h.ListenPort != f.ListenPort {
			kept = append(kept, h)
		}
	}
	b.forwards = kept
}

// changeForward opens or closes f on fwd.
func (b *backend) changeForward(fwd *forward.Forwarding, f mux.Forward, cancel bool) (uint32, error) {
	spec := configForward(f) // forwards_unix.go
	if cancel {
		if err := fwd.Cancel(spec.Kind, spec.Listen); err != nil {
			b.log.Logf(config.LogDebug1, "mux close forward: %v", err)
			return 0, errors.New("port not found")
		}
		return 0, nil
	}
	port, err := fwd.Add(context.Background(), spec)
	switch {
	case err != nil && f.Kind == mux.ForwardRemote:
		return 0, fmt.Errorf("remote port forwarding failed for listen port %d", f.ListenPort)
	case err != nil:
		return 0, errors.New("Port forwarding failed")
	}
	return uint32(port), nil
}

// Info answers -O conninfo and -O channels.
func (b *backend) Info(what string) (string, error) {
	var s strings.Builder
	switch what {
	case "conninfo":
		c := b.conn.Client
		fmt.Fprintf(&s, "Connection to %s port %d as %s\n", b.cfg.HostName, b.cfg.Port, b.cfg.User)
		fmt.Fprintf(&s, "  remote %s local %s\n", c.RemoteAddr(), c.LocalAddr())
		// The server chose its version line; the passenger prints this.
		fmt.Fprintf(&s, "  server version %s, client version %s\n",
			termsafe.Text(string(c.ServerVersion()), termsafe.ASCII), c.ClientVersion())
		fmt.Fprintf(&s, "  master pid %d, up %s\n", os.Getpid(), time.Since(b.started).Round(time.Second))
	case "channels":
		b.mu.Lock()
		ids := make([]int, 0, len(b.channels))
		for id := range b.channels {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		fmt.Fprintf(&s, "The following connections are open:\n")
		for _, id := range ids {
			fmt.Fprintf(&s, "  #%d %s\n", id, b.channels[id])
		}
		b.mu.Unlock()
	default:
		return "", fmt.Errorf("unknown info request %q", what)
	}
	return s.String(), nil
}

// track lists an open channel for -O channels until the returned func.
func (b *backend) track(desc string) (untrack func()) {
	b.mu.Lock()
	id := b.next
	b.next++
	b.channels[id] = desc
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.channels, id)
		b.mu.Unlock()
	}
}
