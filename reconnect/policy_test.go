package reconnect

import (
	"testing"
	"time"
)

// fakeClock is a Clock whose time moves only when the test says so.
// Schedule reads it and never waits on it, so it needs no timers; the
// runtime's waits are tested in package tunnel.
type fakeClock struct{ now time.Time }

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time                 { return c.now }
func (c *fakeClock) NewTimer(d time.Duration) Timer { panic("Schedule must not wait") }
func (c *fakeClock) advance(d time.Duration)        { c.now = c.now.Add(d) }

// constRand is a jitter source that always draws r.
func constRand(r float64) func() float64 { return func() float64 { return r } }

// TestBackoffDoublesToTheCap: 1, 2, 4, … 60 s without jitter, and the
// cap holds for ever.
func TestBackoffDoublesToTheCap(t *testing.T) {
	b := NewBackoff(Policy{Rand: constRand(0)})
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
	for i, w := range want {
		if got := b.Next(); got != w*time.Second {
			t.Fatalf("wait %d = %v, want %v", i+1, got, w*time.Second)
		}
	}
	for i := 0; i < 100; i++ {
		if got := b.Next(); got != DefaultMax {
			t.Fatalf("wait after many = %v, want the cap", got)
		}
	}
	b.Reset()
	if got := b.Next(); got != time.Second {
		t.Fatalf("after Reset: %v, want 1s", got)
	}
}

// TestBackoffJitter: equal jitter takes off up to half of each wait, so
// the first retry is between 0.5 s and 1 s; a source outside [0, 1) is
// ignored rather than allowed to make a wait zero or negative.
func TestBackoffJitter(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want time.Duration
	}{
		{0, time.Second},
		{0.5, 750 * time.Millisecond},
		{0.999999, 500*time.Millisecond + 500},
		{1, time.Second},
		{-3, time.Second},
	} {
		b := NewBackoff(Policy{Rand: constRand(c.r)})
		if got := b.Next(); got != c.want {
			t.Errorf("rand %v: first wait %v, want %v", c.r, got, c.want)
		}
	}
	// The real source stays within the bounds.
	b := NewBackoff(Policy{First: 10 * time.Second, Max: 10 * time.Second})
	for i := 0; i < 1000; i++ {
		if d := b.Next(); d <= 5*time.Second || d > 10*time.Second {
			t.Fatalf("jittered wait %v outside (5s, 10s]", d)
		}
	}
}

// TestPolicyDefaults: zero fields take the documented values; a cap
// below the first wait is raised to it.
func TestPolicyDefaults(t *testing.T) {
	p := Policy{}.withDefaults()
	if p.First != time.Second || p.Max != time.Minute || p.Stable != 30*time.Second || p.Clock == nil || p.Rand == nil {
		t.Fatalf("defaults %+v", p)
	}
	b := NewBackoff(Policy{First: 5 * time.Second, Max: time.Second, Rand: constRand(0)})
	if d1, d2 := b.Next(), b.Next(); d1 != 5*time.Second || d2 != 5*time.Second {
		t.Fatalf("cap below first: %v, %v", d1, d2)
	}
}

// TestGate: a failed first connection ends the run unless RetryFirst;
// with it, the failure is not counted as an attempt.
func TestGate(t *testing.T) {
	s := New(Policy{Rand: constRand(0), Clock: newFakeClock()})
	if d := s.Failed(); d.Retry || !d.Gated {
		t.Fatalf("first failure without RetryFirst: %+v, want gated", d)
	}

	s = New(Policy{RetryFirst: true, MaxAttempts: 2, Rand: constRand(0), Clock: newFakeClock()})
	d := s.Failed()
	if !d.Retry || d.Gated || d.Attempt != 1 || d.Wait != time.Second || d.String() != "attempt 1 of 2" {
		t.Fatalf("first failure with RetryFirst: %+v (%s)", d, d)
	}
	if d = s.Failed(); !d.Retry || d.Attempt != 2 || d.Wait != 2*time.Second {
		t.Fatalf("attempt 1 failed: %+v", d)
	}
	if d = s.Failed(); d.Retry || d.Gated || d.Attempt != 2 {
		t.Fatalf("attempt 2 of 2 failed: %+v, want giving up after 2", d)
	}
}

// TestLossesAndAttempts follows a run: a loss, failed attempts, a
// connection that comes back, and MaxAttempts failures in a row.
func TestLossesAndAttempts(t *testing.T) {
	clock := newFakeClock()
	s := New(Policy{MaxAttempts: 3, Rand: constRand(0), Clock: clock})
	s.Connected()
	clock.advance(time.Hour)
	steps := []struct {
		name  string
		do    func() Decision
		retry bool
		wait  time.Duration
		n     int
	}{
		{"lost", s.Lost, true, time.Second, 1},
		{"1 failed", s.Failed, true, 2 * time.Second, 2},
		{"2 failed", s.Failed, true, 4 * time.Second, 3},
		{"3 failed", s.Failed, false, 0, 3},
	}
	for _, st := range steps {
		d := st.do()
		if d.Retry != st.retry || d.Wait != st.wait || d.Attempt != st.n {
			t.Fatalf("%s: %+v, want retry %v wait %v attempt %d", st.name, d, st.retry, st.wait, st.n)
		}
	}

	// A connection in between starts the count again.
	s = New(Policy{MaxAttempts: 2, Rand: constRand(0), Clock: clock})
	s.Connected()
	s.Lost()
	if d := s.Failed(); !d.Retry || d.Attempt != 2 {
		t.Fatalf("attempt 1 failed: %+v", d)
	}
	s.Connected()
	clock.advance(time.Hour)
	if d := s.Lost(); !d.Retry || d.Attempt != 1 || d.Wait != time.Second {
		t.Fatalf("lost after a reconnection: %+v, want attempt 1 after 1s", d)
	}
	if d := s.Failed(); !d.Retry || d.Attempt != 2 {
		t.Fatalf("attempt 1 failed again: %+v", d)
	}
}

// TestStableResetsBackoff: a connection lost within Stable continues the
// backoff where it was, one that lasted resets it.
func TestStableResetsBackoff(t *testing.T) {
	clock := newFakeClock()
	s := New(Policy{Rand: constRand(0), Clock: clock})
	s.Connected()
	clock.advance(time.Hour)
	if d := s.Lost(); d.Wait != time.Second {
		t.Fatalf("first loss: wait %v", d.Wait)
	}
	for _, want := range []time.Duration{2, 4, 8} {
		s.Connected()
		clock.advance(DefaultStable - time.Millisecond) // flapping
		if d := s.Lost(); d.Wait != want*time.Second || d.Attempt != 1 {
			t.Fatalf("loss of a short connection: %+v, want attempt 1 after %v", d, want*time.Second)
		}
	}
	s.Connected()
	clock.advance(DefaultStable)
	if d := s.Lost(); d.Wait != time.Second {
		t.Fatalf("loss after a stable connection: wait %v, want 1s", d.Wait)
	}
}

// TestUnlimited: without MaxAttempts a run never gives up, at the cap.
func TestUnlimited(t *testing.T) {
	s := New(Policy{Rand: constRand(0), Clock: newFakeClock()})
	s.Connected()
	s.Lost()
	var d Decision
	for i := 0; i < 10000; i++ {
		if d = s.Failed(); !d.Retry {
			t.Fatalf("gave up after %d attempts without a bound", i+1)
		}
	}
	if d.Wait != DefaultMax || d.String() != "attempt 10001" {
		t.Fatalf("after 10000 failures: %+v (%s)", d, d)
	}
}
