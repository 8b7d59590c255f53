package client

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/keepalive"
)

// ServerAliveError reports that the ServerAlive watchdog declared the
// server dead and closed the connection. Error is OpenSSH's message,
// which cmd/gssh prints at INFO level (ssh uses logit) before exiting 255.
type ServerAliveError struct {
	// Host is the HostName that was dialled, as in ssh's message.
	Host string
	Err  *keepalive.DeadError
}

func (e *ServerAliveError) Error() string {
	return fmt.Sprintf("Timeout, server %s not responding.", e.Host)
}

func (e *ServerAliveError) Unwrap() error { return e.Err }

// aliveGuard is the keepalive machinery of one connection: the ServerAlive
// watchdog (nil with ServerAliveInterval 0) and, while the handshake runs
// without ConnectTimeout, OpenSSH's per-read bound of Interval×CountMax.
type aliveGuard struct {
	host  string
	log   *sshlog.Logger // gssh's own "keepalive:" lines at -v
	count int            // ServerAliveCountMax, for those lines
	dog   *keepalive.Watchdog
	bound *readBound // nil when the handshake is not bounded here

	// client is set once authentication succeeded, before the watchdog
	// starts, and read by the prober only after that.
	client *ssh.Client

	mu    sync.Mutex
	dead  *ServerAliveError // guarded by mu; set when the watchdog fired
	deadc chan struct{}     // closed once dead is set; nil without a watchdog
	stop  context.CancelFunc
}

// newAliveGuard prepares the guard for cfg and hooks it into opts: the
// watchdog sees every inbound byte through WrapConn, and prompts suspend
// the handshake bound so that typing a password is not a timeout.
func newAliveGuard(cfg *config.Config, opts *DialOptions) (*aliveGuard, error) {
	g := &aliveGuard{host: cfg.HostName, log: opts.Log, count: cfg.ServerAliveCountMax}
	if cfg.ServerAliveInterval <= 0 {
		return g, nil
	}
	dog, err := keepalive.New(keepalive.Config{
		Interval: cfg.ServerAliveInterval,
		CountMax: cfg.ServerAliveCountMax,
	}, keepalive.ProbeFunc(g.probe))
	if err != nil {
		return nil, fmt.Errorf("client: ServerAlive: %w", err)
	}
	g.dog = dog
	// ConnectTimeout, when set, already bounds the whole handshake
	// (handshakeClock); OpenSSH's packet timeout applies only without it.
	if b := keepalive.HandshakeBound(cfg.ServerAliveInterval, cfg.ServerAliveCountMax); b > 0 && cfg.ConnectTimeout <= 0 {
		g.bound = &readBound{limit: b, on: true}
		if opts.Prompter != nil {
			opts.Prompter = boundPrompter{p: opts.Prompter, bound: g.bound}
		}
	}
	outer := opts.WrapConn
	opts.WrapConn = func(c net.Conn) net.Conn {
		c = keepalive.WrapConn(c, dog)
		if g.bound != nil {
			g.bound.Conn = c
			c = g.bound
		}
		if outer != nil {
			c = outer(c)
		}
		return c
	}
	return g, nil
}

// start lifts the handshake bound and runs the watchdog for the life of
// the connection, closing it when the server is declared dead so that
// every goroutine blocked on it returns.
func (g *aliveGuard) start(c *Conn) {
	if g.bound != nil {
		g.bound.disarm()
	}
	c.guard = g
	if g.dog == nil {
		return
	}
	g.client = c.Client
	g.deadc = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	g.stop = cancel
	crash.Go(func() {
		// A connection that ends any other way stops the watchdog.
		c.Client.Wait()
		cancel()
	})
	crash.Go(func() {
		err := g.dog.Run(ctx)
		if dead, ok := err.(*keepalive.DeadError); ok {
			g.log.Logf(config.LogDebug1, "keepalive: server not responding: nothing received for %v, %d checks unanswered",
				dead.Silence.Round(time.Millisecond), dead.Missed)
			g.mu.Lock()
			g.dead = &ServerAliveError{Host: g.host, Err: dead}
			g.mu.Unlock()
			close(g.deadc)
			c.Client.Close()
		}
	})
}

// probe sends keepalive@openssh.com with want-reply; sshd answers
// REQUEST_FAILURE, which counts as a reply. SendRequest returns an error
// only when the connection is gone, which Watchdog treats as no answer.
func (g *aliveGuard) probe(context.Context) error {
	defer crash.Recover() // runs on the watchdog's goroutine
	st := g.dog.State()
	// ssh logs nothing here below -vvv; these lines are gssh's own.
	g.log.Logf(config.LogDebug1, "keepalive: nothing received for %v: sending keepalive@openssh.com (check %d without reply; ServerAliveCountMax %d)",
		st.Now.Sub(st.LastRead).Round(time.Millisecond), st.Missed, g.count)
	sent := time.Now()
	_, _, err := g.client.SendRequest("keepalive@openssh.com", true, nil)
	if err == nil {
		g.log.Logf(config.LogDebug2, "keepalive: server answered after %v", time.Since(sent).Round(time.Millisecond))
	}
	return err
}

// close stops the watchdog; the connection is being closed anyway.
func (g *aliveGuard) close() {
	if g != nil && g.stop != nil {
		g.stop()
	}
}

// deadErr returns the watchdog's verdict, or nil while the server is
// considered alive (or no watchdog runs).
func (g *aliveGuard) deadErr() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dead == nil {
		return nil
	}
	return g.dead
}

// deadChan is closed when the server is declared dead; nil (never ready)
// without a watchdog.
func (g *aliveGuard) deadChan() <-chan struct{} {
	if g == nil {
		return nil
	}
	return g.deadc
}

// KeepaliveState returns a snapshot of the ServerAlive watchdog, for the
// ~I escape and debug output; ok is false when ServerAliveInterval is 0.
func (c *Conn) KeepaliveState() (st keepalive.State, ok bool) {
	if c.guard == nil || c.guard.dog == nil {
		return keepalive.State{}, false
	}
	return c.guard.dog.State(), true
}

// readBound is OpenSSH's packet timeout during key exchange and
// authentication without ConnectTimeout: each read may wait at most limit
// (keepalive.HandshakeBound). It is held while the user is at a prompt and
// disarmed for good once the connection is authenticated.
type readBound struct {
	net.Conn
	limit time.Duration

	// mu orders setting a read's deadline against disarm and hold, so a
	// deadline computed before them cannot be left on the socket after.
	mu   sync.Mutex
	on   bool // guarded by mu
	held int  // guarded by mu; prompts in progress
}

func (b *readBound) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.on && b.held == 0 {
		b.Conn.SetReadDeadline(time.Now().Add(b.limit))
	}
	b.mu.Unlock()
	return b.Conn.Read(p)
}

// disarm ends the bound, clearing the deadline of a read in progress.
func (b *readBound) disarm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.on = false
	b.Conn.SetReadDeadline(time.Time{})
}

// hold suspends the bound for a prompt; resume restarts it with a full
// limit, since the server had nothing to say while the user typed.
func (b *readBound) hold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held++
	b.Conn.SetReadDeadline(time.Time{})
}

func (b *readBound) resume() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held--
	if b.on && b.held == 0 {
		b.Conn.SetReadDeadline(time.Now().Add(b.limit))
	}
}

// boundPrompter holds the handshake read bound for each prompt.
type boundPrompter struct {
	p     tty.Prompter
	bound *readBound
}

func (h boundPrompter) ReadPassword(prompt string) (string, error) {
	h.bound.hold()
	defer h.bound.resume()
	return h.p.ReadPassword(prompt)
}

func (h boundPrompter) ReadLine(prompt string) (string, error) {
	h.bound.hold()
	defer h.bound.resume()
	return h.p.ReadLine(prompt)
}
