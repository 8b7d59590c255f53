//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A master's verdict on its own SSH connection, which self-healing acts
// on (heal_unix.go): the passenger only knows how long it has
// waited, the master knows how slow its server usually is. The master
// calls its connection dead only on evidence: the connection ended, or
// the server stayed silent for longer than the budget, which is
// budgetFactor times the slowest of the last rttSamples round trips the
// master measured (keepalive replies and session channel confirmations),
// at least BudgetFloor and at most budgetCap. Before anything was
// measured, a background master counts the time its login took as one
// round trip (it took several), any other master budgetCap. Silence counts from the request or from the last bytes
// read from the server, whichever is later, when the ServerAlive
// watchdog tracks reads (ServerAliveInterval above 0, gssh's default):
// a server busy sending other sessions' data is slow, not dead.
//
// With 450 ms of delay each way a round trip takes about a second, so
// the budget is about 4 s; on loopback it is BudgetFloor, what a dead
// master costs its next passenger before it connects directly.
const (
	// budgetFactor leaves room for a server or link that is several
	// times slower than usual for a moment (a loaded sshd, a queue).
	budgetFactor = 4
	// BudgetFloor covers a loaded machine on a fast link, where a
	// channel open can take a scheduler's worth of delays.
	BudgetFloor = 2 * time.Second
	// budgetCap bounds what one slow sample (a probe queued behind a
	// bulk transfer, a machine that slept while a probe was out) can do
	// to the budget.
	budgetCap = 10 * time.Second
	// rttSamples is how many recent round trips the budget looks at,
	// so that an old slow one is forgotten.
	rttSamples = 8
)

// rttWindow holds the master's most recent round-trip times.
type rttWindow struct {
	// provisional, when not zero, stands in for a round trip until one
	// is measured. It is set before the window is used.
	provisional time.Duration

	mu   sync.Mutex
	last [rttSamples]time.Duration
	n    int // samples ever added
}

// add records one round trip.
func (w *rttWindow) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last[w.n%rttSamples] = d
	w.n++
}

// budget is how long the server may stay silent before the connection
// counts as dead.
func (w *rttWindow) budget() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 && w.provisional == 0 {
		return budgetCap
	}
	slowest := w.provisional
	if w.n > 0 {
		slowest = 0
	}
	for _, d := range w.last[:min(w.n, rttSamples)] {
		slowest = max(slowest, d)
	}
	return min(max(budgetFactor*slowest, BudgetFloor), budgetCap)
}

// silentError is the evidence of a dead connection: its server said
// nothing for the whole budget.
type silentError struct{ budget time.Duration }

func (e *silentError) Error() string {
	return fmt.Sprintf("upstream connection not responding: server silent for %v", e.budget.Round(time.Millisecond))
}

// errUpstreamLost is the other evidence: the connection ended.
var errUpstreamLost = errors.New("upstream connection lost")

// awaitServer waits until answered is closed. It returns errUpstreamLost
// once lost is closed, a *silentError once the server has been silent
// for budget (heard reports when bytes were last read from it, or the
// zero time when nobody tracks that), and ctx's error when ctx ends
// first (the passenger went away: no verdict).
func awaitServer(ctx context.Context, answered, lost <-chan struct{}, budget time.Duration, heard func() time.Time) error {
	start := time.Now()
	t := time.NewTimer(budget)
	defer t.Stop()
	for {
		select {
		case <-answered:
			return nil
		case <-lost:
			return errUpstreamLost
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		since := start
		if last := heard(); last.After(since) {
			since = last
		}
		left := budget - time.Since(since)
		if left <= 0 {
			select {
			case <-answered: // as the timer fired
				return nil
			default:
			}
			return &silentError{budget}
		}
		t.Reset(left)
	}
}
