package reconnect

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults of a Policy's zero fields.
const (
	// DefaultFirst is the wait before the first attempt of an outage
	// (before jitter).
	DefaultFirst = time.Second
	// DefaultMax caps the wait between attempts (before jitter).
	DefaultMax = 60 * time.Second
	// DefaultStable is how long a connection must stay up for the
	// backoff to start again from DefaultFirst after it is lost.
	DefaultStable = 30 * time.Second
)

// Policy configures a Schedule. Zero durations take the defaults above.
type Policy struct {
	First  time.Duration
	Max    time.Duration
	Stable time.Duration
	// MaxAttempts bounds the failed attempts in a row (--reconnect-max);
	// 0 means no bound.
	MaxAttempts int
	// RetryFirst lifts the first-connection gate (--reconnect-first).
	RetryFirst bool
	// Clock is the time source; nil means RealClock.
	Clock Clock
	// Rand returns a uniformly distributed number in [0, 1) for the
	// jitter; nil means math/rand/v2's Float64.
	Rand func() float64
}

// withDefaults fills the zero fields.
func (p Policy) withDefaults() Policy {
	if p.First <= 0 {
		p.First = DefaultFirst
	}
	if p.Max <= 0 {
		p.Max = DefaultMax
	}
	if p.Max < p.First {
		p.Max = p.First
	}
	if p.Stable <= 0 {
		p.Stable = DefaultStable
	}
	if p.Clock == nil {
		p.Clock = RealClock()
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Backoff hands out the waits of one run of retries: First, doubling up
// to Max, each less a random fraction of up to half of it.
type Backoff struct {
	first, max time.Duration
	rand       func() float64
	next       time.Duration // the next wait before jitter
}

// NewBackoff returns the backoff of p, starting at p.First.
func NewBackoff(p Policy) *Backoff {
	p = p.withDefaults()
	return &Backoff{first: p.First, max: p.Max, rand: p.Rand, next: p.First}
}

// Next returns the next wait and doubles the one after it, up to the cap.
func (b *Backoff) Next() time.Duration {
	d := b.next
	if b.next < b.max {
		b.next = min(2*b.next, b.max)
	}
	r := b.rand()
	if r < 0 || r >= 1 {
		r = 0 // a broken source must not make the wait negative or zero
	}
	return d - time.Duration(float64(d)/2*r)
}

// Reset starts the backoff again at First.
func (b *Backoff) Reset() { b.next = b.first }

// Decision is what to do after a connection was lost or an attempt
// failed.
type Decision struct {
	// Retry is false when the runtime should give up: the first
	// connection failed behind the gate (Gated), or MaxAttempts attempts
	// failed in a row.
	Retry bool
	// Gated is set when the very first connection failed and RetryFirst
	// is off: gssh then exits as ssh would.
	Gated bool
	// Wait is how long to wait before the next attempt.
	Wait time.Duration
	// Attempt numbers the next attempt from 1 within the run of
	// failures; when giving up, it is the number of attempts made.
	Attempt int
	// MaxAttempts is the Policy's bound, 0 for none, for messages.
	MaxAttempts int
}

// String is the attempt as messages name it: "attempt 2" or "attempt 2
// of 5".
func (d Decision) String() string {
	if d.MaxAttempts > 0 {
		return fmt.Sprintf("attempt %d of %d", d.Attempt, d.MaxAttempts)
	}
	return fmt.Sprintf("attempt %d", d.Attempt)
}

// Schedule follows the connections of one gssh --reconnect run and
// decides, after each loss or failure, whether and when to try again.
// It is not safe for concurrent use; the runtime's one loop owns it.
type Schedule struct {
	p       Policy
	backoff *Backoff
	first   bool      // the first connection has not been decided yet
	failed  int       // attempts failed in a row
	up      time.Time // when the current connection came up
}

// New returns the Schedule of a run that is about to make its first
// connection.
func New(p Policy) *Schedule {
	p = p.withDefaults()
	return &Schedule{p: p, backoff: NewBackoff(p), first: true}
}

// Connected records that a connection came up: authenticated, with its
// forwardings set up. The count of failed attempts starts again.
func (s *Schedule) Connected() {
	s.first = false
	s.failed = 0
	s.up = s.p.Clock.Now()
}

// Lost records that the connection of the last Connected ended, and
// returns the wait before the first attempt to replace it. A connection
// that stayed up for Stable or longer resets the backoff first.
func (s *Schedule) Lost() Decision {
	if s.p.Clock.Now().Sub(s.up) >= s.p.Stable {
		s.backoff.Reset()
	}
	return s.retry()
}

// Failed records that an attempt failed, or the first connection did,
// and decides what follows: the gate ends the run after a failed first
// connection unless RetryFirst is set; MaxAttempts failures in a row end
// it too. A failed first connection is not an attempt: attempts are the
// retries after it.
func (s *Schedule) Failed() Decision {
	if s.first {
		s.first = false
		if !s.p.RetryFirst {
			return Decision{Gated: true, MaxAttempts: s.p.MaxAttempts}
		}
		return s.retry()
	}
	s.failed++
	if s.p.MaxAttempts > 0 && s.failed >= s.p.MaxAttempts {
		return Decision{Attempt: s.failed, MaxAttempts: s.p.MaxAttempts}
	}
	return s.retry()
}

// retry is the Decision to make attempt failed+1 after the next wait.
func (s *Schedule) retry() Decision {
	return Decision{Retry: true, Wait: s.backoff.Next(), Attempt: s.failed + 1, MaxAttempts: s.p.MaxAttempts}
}

// Clock returns the Schedule's clock, for the runtime's waits.
func (s *Schedule) Clock() Clock { return s.p.Clock }
