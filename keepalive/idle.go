package keepalive

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// IdleTimer implements gssh's --idle-timeout: it fires when no data has
// moved in either direction for a set duration. OpenSSH's client has no
// such option; it is a gssh addition.
//
// Call Touch from both data paths, the one copying from the user to the
// server and the one copying back. Feed it session data, not the raw
// connection: keepalive probes and their replies, and the server's
// ClientAlive messages, would otherwise keep an idle session alive forever.
type IdleTimer struct {
	limit   time.Duration
	clock   Clock
	last    *stamp
	fired   chan struct{}
	started atomic.Bool
}

// IdleError is returned by IdleTimer.Run when the limit passes with no
// activity.
type IdleError struct {
	// Idle is how long nothing had moved when the timer fired.
	Idle time.Duration
}

func (e *IdleError) Error() string {
	return fmt.Sprintf("keepalive: no data in either direction for %v", e.Idle)
}

// NewIdleTimer returns an IdleTimer, not yet running, that fires after
// limit without activity. A nil clock means RealClock.
func NewIdleTimer(limit time.Duration, clock Clock) (*IdleTimer, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("keepalive: idle limit %v is not positive", limit)
	}
	if clock == nil {
		clock = RealClock()
	}
	return &IdleTimer{limit: limit, clock: clock, last: newStamp(clock), fired: make(chan struct{})}, nil
}

// Touch records activity in either direction. It is safe for concurrent
// use and as cheap as Watchdog.Touch.
func (t *IdleTimer) Touch() { t.last.touch() }

// Fired returns a channel that is closed when the timer fires.
func (t *IdleTimer) Fired() <-chan struct{} { return t.fired }

// Run waits until the limit passes without activity, when it closes Fired
// and returns an *IdleError, or until ctx is done, when it returns
// ctx.Err(). Starting Run counts as activity. It may be called once.
func (t *IdleTimer) Run(ctx context.Context) error {
	if !t.started.CompareAndSwap(false, true) {
		return errors.New("keepalive: IdleTimer.Run called twice")
	}
	start := t.clock.Now()
	timer := t.clock.NewTimer(t.limit)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C():
			// As in Watchdog.Run: clock first, then the stamp, and the
			// timer is only corrected lazily when it fires early.
			now := t.clock.Now()
			last := later(start, t.last.load())
			if idle := now.Sub(last); idle >= t.limit {
				close(t.fired)
				return &IdleError{Idle: idle}
			}
			timer.Reset(last.Add(t.limit).Sub(now))
		}
	}
}
