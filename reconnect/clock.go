package reconnect

import "time"

// Clock is the source of time of a Schedule, and of the waits of the
// runtime that follows its Decisions. RealClock is the production one;
// tests substitute a fake that advances on command.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns an armed Timer that fires once, after d.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer a wait needs.
type Timer interface {
	// C returns the channel on which the firing time is delivered.
	C() <-chan time.Time
	// Stop disarms the timer; it reports whether the timer was armed.
	Stop() bool
}

// RealClock returns a Clock backed by package time.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }
