package keepalive

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// settleTimeout bounds every wait on a condition. It is a safety net that
// turns a bug into a test failure instead of a hang, never a way to let
// goroutines "catch up": every wait below is on a condition.
const settleTimeout = 10 * time.Second

// fakeClock is a Clock whose time moves only when the test calls Advance.
// Advance fires due timers one at a time, in order, and after each firing
// waits until the timer's owner has reacted by re-arming or stopping it.
// When Advance returns, the code under test is therefore parked on its
// timer again and every decision it made was made at the exact fake time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced on every timer change
}

func newFakeClock() *fakeClock {
	return &fakeClock{
		now:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		changed: make(chan struct{}),
	}
}

// fakeTimer is a Timer of a fakeClock.
type fakeTimer struct {
	c     *fakeClock
	ch    chan time.Time
	when  time.Time // valid while armed
	armed bool
	gen   int // bumped by Reset and Stop, so Advance sees the owner react
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1), when: c.now.Add(d), armed: true}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = false
	t.drainLocked()
	t.gen++
	t.c.notifyLocked()
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = true
	t.when = t.c.now.Add(d)
	t.drainLocked()
	t.gen++
	t.c.notifyLocked()
	return was
}

// drainLocked discards an undelivered firing, giving Stop and Reset the
// Go 1.23 guarantee that no stale value is received afterwards.
func (t *fakeTimer) drainLocked() {
	select {
	case <-t.ch:
	default:
	}
}

func (c *fakeClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// waitFor blocks until cond, evaluated with c.mu held, is true.
func (c *fakeClock) waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.After(settleTimeout)
	for {
		c.mu.Lock()
		ok, ch := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("fake clock: timed out waiting for %s", what)
		}
	}
}

// waitArmed blocks until n timers are armed, which is how a test knows
// that a goroutine it started has reached its first wait.
func (c *fakeClock) waitArmed(tb testing.TB, n int) {
	tb.Helper()
	c.waitFor(tb, "armed timers", func() bool {
		armed := 0
		for _, t := range c.timers {
			if t.armed {
				armed++
			}
		}
		return armed >= n
	})
}

// Advance moves time forward by d, firing every timer that falls due on
// the way at its own deadline.
func (c *fakeClock) Advance(tb testing.TB, d time.Duration) {
	tb.Helper()
	c.mu.Lock()
	target := c.now.Add(d)
	for {
		var due *fakeTimer
		for _, t := range c.timers {
			if t.armed && !t.when.After(target) && (due == nil || t.when.Before(due.when)) {
				due = t
			}
		}
		if due == nil {
			break
		}
		c.now = later(c.now, due.when)
		due.armed = false
		due.ch <- c.now // cannot block: the slot is drained on every re-arm
		gen := due.gen
		c.mu.Unlock()
		c.waitFor(tb, "the timer's owner to re-arm or stop it", func() bool { return due.gen != gen })
		c.mu.Lock()
	}
	c.now = target
	c.mu.Unlock()
}

// waitCond polls cond until it holds. Used for state that has no event of
// its own to wait on (goroutine counts, the watchdog taking in a reply).
func waitCond(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(settleTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// TestFakeClock checks the fake itself, since every timing test relies on
// it: timers fire in order, at their own deadlines, and never stale.
func TestFakeClock(t *testing.T) {
	c := newFakeClock()
	start := c.Now()
	a := c.NewTimer(3 * time.Second)
	b := c.NewTimer(time.Second)

	var fired []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(fired) < 3 {
			select {
			case at := <-a.C():
				fired = append(fired, at.Sub(start))
				a.Stop()
			case at := <-b.C():
				fired = append(fired, at.Sub(start))
				if len(fired) == 1 {
					b.Reset(time.Second) // due again at 2s, before a
				} else {
					b.Stop()
				}
			}
		}
	}()
	c.Advance(t, 10*time.Second)
	<-done
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	if len(fired) != len(want) {
		t.Fatalf("fired at %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("fired at %v, want %v", fired, want)
		}
	}
	if got := c.Now().Sub(start); got != 10*time.Second {
		t.Errorf("now = start+%v, want start+10s", got)
	}
	if a.Stop() || b.Stop() {
		t.Error("Stop reported a stopped timer as armed")
	}
	// Reset discards a firing that was delivered but not yet received.
	x := c.NewTimer(0).(*fakeTimer)
	go func() {
		for len(x.ch) == 0 {
			runtime.Gosched()
		}
		x.Reset(time.Hour)
	}()
	c.Advance(t, 0)
	if len(x.ch) != 0 {
		t.Error("stale firing still pending after Reset")
	}
}
