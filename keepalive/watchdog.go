package keepalive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Watchdog declares the server dead when it stays silent for
// (CountMax+1)×Interval despite keepalive probes. Create it with New, feed
// it inbound traffic with Touch (or WrapConn) and run it with Run.
type Watchdog struct {
	interval time.Duration
	countMax int
	clock    Clock
	prober   Prober
	read     *stamp
	dead     chan struct{}

	mu      sync.Mutex
	pol     policy // guarded by mu
	started bool   // guarded by mu
}

// Config configures a Watchdog.
type Config struct {
	// Interval is ServerAliveInterval: how long the server may be silent
	// before a probe is sent. It must be positive; OpenSSH's 0 ("off")
	// means the caller does not create a Watchdog at all.
	Interval time.Duration
	// CountMax is ServerAliveCountMax: how many checks may go unanswered.
	// Zero declares the server dead at the first expiry.
	CountMax int
	// Clock is the time source; nil means RealClock.
	Clock Clock
}

// Prober sends one keepalive@openssh.com global request with want-reply
// set and waits for the answer. It returns nil for any reply, success or
// failure alike, and an error if no reply can come. It must return once
// ctx is cancelled or the connection is closed; with x/crypto the latter
// is enough, as Client.SendRequest returns when the client is closed:
//
//	keepalive.ProbeFunc(func(context.Context) error {
//		_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
//		return err
//	})
type Prober interface {
	Probe(ctx context.Context) error
}

// ProbeFunc adapts a function to Prober.
type ProbeFunc func(ctx context.Context) error

// Probe calls f(ctx).
func (f ProbeFunc) Probe(ctx context.Context) error { return f(ctx) }

// DeadError is returned by Watchdog.Run when the server is declared dead.
// cmd/gssh reports it as "Timeout, server H not responding." and exits 255.
type DeadError struct {
	// Silence is how long nothing had been read from the server.
	Silence time.Duration
	// Missed is the number of checks that went unanswered (CountMax+1).
	Missed int
}

func (e *DeadError) Error() string {
	return fmt.Sprintf("keepalive: server not responding: nothing received for %v, %d checks unanswered",
		e.Silence, e.Missed)
}

// State is a snapshot of a Watchdog, for the ~I escape and debug logs.
type State struct {
	// Now is when the snapshot was taken, by the watchdog's clock, so
	// ages can be computed without a second clock read.
	Now time.Time
	// LastRead is when data was last read from the server, or when the
	// watchdog started if nothing was read since.
	LastRead time.Time
	// LastReply is when a probe was last answered; zero if never.
	LastReply time.Time
	// Missed counts checks since the last reply.
	Missed int
	// Probing reports whether a probe is in flight.
	Probing bool
	// Deadline is when the next check is due.
	Deadline time.Time
	// Dead reports whether the server has been declared dead.
	Dead bool
}

// New returns a Watchdog that is not yet running.
func New(cfg Config, p Prober) (*Watchdog, error) {
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("keepalive: interval %v is not positive", cfg.Interval)
	}
	if cfg.CountMax < 0 {
		return nil, fmt.Errorf("keepalive: negative count max %d", cfg.CountMax)
	}
	if p == nil {
		return nil, errors.New("keepalive: nil prober")
	}
	clock := cfg.Clock
	if clock == nil {
		clock = RealClock()
	}
	read := newStamp(clock)
	return &Watchdog{
		interval: cfg.Interval,
		countMax: cfg.CountMax,
		clock:    clock,
		prober:   p,
		read:     read,
		dead:     make(chan struct{}),
		pol:      newPolicy(cfg.Interval, cfg.CountMax, read.base),
	}, nil
}

// HandshakeBound is how long OpenSSH waits for each packet during key
// exchange and authentication when ServerAliveInterval is set:
// interval×countMax. It returns 0, meaning no bound, when either is not
// positive, as OpenSSH does.
func HandshakeBound(interval time.Duration, countMax int) time.Duration {
	if interval <= 0 || countMax <= 0 {
		return 0
	}
	return interval * time.Duration(countMax)
}

// Touch records that bytes were read from the server. It is safe for
// concurrent use and cheap (a clock read and one atomic operation),
// because it is called on every read of the connection.
func (w *Watchdog) Touch() { w.read.touch() }

// Dead returns a channel that is closed when the server is declared dead.
func (w *Watchdog) Dead() <-chan struct{} { return w.dead }

// State returns a snapshot of the watchdog.
func (w *Watchdog) State() State {
	now := w.clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pol.dataRead(w.read.load())
	return State{
		Now:       now,
		LastRead:  w.pol.lastRead,
		LastReply: w.pol.lastReply,
		Missed:    w.pol.missed,
		Probing:   w.pol.probing,
		Deadline:  w.pol.deadline(),
		Dead:      w.pol.dead,
	}
}

// Run watches the connection until the server is declared dead, when it
// closes Dead and returns a *DeadError, or until ctx is done, when it
// returns ctx.Err(). It may be called once.
//
// Run does not wait for a probe still in flight when it returns: the
// Prober's goroutine ends once Probe returns, which it must do when ctx is
// cancelled or the connection is closed. That keeps Run from hanging on a
// Prober that ignores ctx.
func (w *Watchdog) Run(ctx context.Context) error {
	start := w.clock.Now()
	w.mu.Lock()
	if w.started {
		w.mu.Unlock()
		return errors.New("keepalive: Watchdog.Run called twice")
	}
	w.started = true
	// OpenSSH schedules the first check when its client loop starts.
	w.pol = newPolicy(w.interval, w.countMax, start)
	w.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // tells an in-flight probe to give up
	// Buffered so a probe that finishes after Run returned does not block;
	// one slot is enough because at most one probe is in flight.
	replies := make(chan error, 1)
	timer := w.clock.NewTimer(w.interval)
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()

		case <-timer.C():
			// Read the clock before the stamp, so a Touch racing with
			// this check is seen at worst as newer than now, which
			// spares the connection, and is never lost behind a verdict.
			now := w.clock.Now()
			w.mu.Lock()
			w.pol.dataRead(w.read.load())
			act := w.pol.expire(now)
			next := w.pol.deadline()
			silence, missed := now.Sub(w.pol.lastRead), w.pol.missed
			w.mu.Unlock()
			switch act {
			case actDead:
				close(w.dead)
				return &DeadError{Silence: silence, Missed: missed}
			case actProbe:
				go func() { replies <- w.prober.Probe(ctx) }()
			}
			// Touch does not move the timer (that would cost a channel
			// operation per read); an early firing is re-armed here.
			timer.Reset(next.Sub(now))

		case err := <-replies:
			now := w.clock.Now()
			w.mu.Lock()
			if err == nil {
				w.pol.reply(now)
			} else {
				w.pol.probeFailed()
			}
			w.mu.Unlock()
			// A reply only moves the deadline later, so the armed timer
			// at worst fires early and is re-armed then.
		}
	}
}
