package keepalive

import (
	"sync/atomic"
	"time"
)

// Clock is the source of time for a Watchdog or IdleTimer. RealClock is
// the production one; tests substitute a fake that advances on command.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns an armed Timer that fires once, after d.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the watchdog uses. Implementations must
// follow Go 1.23 semantics: after Stop or Reset returns, no value from an
// earlier arming is received from C.
type Timer interface {
	// C returns the channel on which the firing time is delivered.
	C() <-chan time.Time
	// Stop disarms the timer; it reports whether the timer was armed.
	Stop() bool
	// Reset re-arms the timer to fire after d; it reports whether the
	// timer was armed.
	Reset(d time.Duration) bool
}

// RealClock returns a Clock backed by package time.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// stamp records when something last happened, cheaply enough to be
// updated on every read of a connection: one clock read and one atomic
// compare-and-swap, no lock and no channel send. The time is kept as an
// offset from base so that real clock readings keep their monotonic
// component and wall-clock jumps cannot move a deadline.
type stamp struct {
	clock Clock
	base  time.Time
	since atomic.Int64 // nanoseconds after base
}

func newStamp(c Clock) *stamp { return &stamp{clock: c, base: c.Now()} }

// touch records now. The stamp only moves forward: a caller that read
// the clock and was then descheduled must not undo a newer touch. On amd64
// the compare-and-swap costs what a plain atomic store would (both are
// locked instructions), and the usual single reader goroutine never loops.
func (s *stamp) touch() {
	now := int64(s.clock.Now().Sub(s.base))
	for {
		old := s.since.Load()
		if now <= old || s.since.CompareAndSwap(old, now) {
			return
		}
	}
}

// load returns the last recorded time, or the creation time if none.
func (s *stamp) load() time.Time { return s.base.Add(time.Duration(s.since.Load())) }

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
