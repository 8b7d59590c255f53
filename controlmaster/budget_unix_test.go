//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRTTWindowBudget: budgetFactor times the slowest of the last
// rttSamples round trips, within BudgetFloor and budgetCap; the login's
// time until a round trip is measured, budgetCap without either.
func TestRTTWindowBudget(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name        string
		provisional time.Duration
		samples     []time.Duration
		want        time.Duration
	}{
		{"nothing known", 0, nil, budgetCap},
		{"fast login", 80 * ms, nil, BudgetFloor},
		{"slow login", 2 * time.Second, nil, 8 * time.Second},
		{"very slow login", 9 * time.Second, nil, budgetCap},
		{"a sample replaces the login", 9 * time.Second, []time.Duration{ms}, BudgetFloor},
		{"loopback", 0, []time.Duration{ms, 2 * ms}, BudgetFloor},
		{"450ms each way", 0, []time.Duration{900 * ms, 950 * ms}, 3800 * ms},
		{"slowest counts", 0, []time.Duration{900 * ms, 1200 * ms, 900 * ms}, 4800 * ms},
		{"one stalled probe", 0, []time.Duration{time.Hour}, budgetCap},
		{"an old slow sample is forgotten", 0, append([]time.Duration{time.Second}, repeat(ms, rttSamples)...), BudgetFloor},
		{"a recent slow sample is not", 0, append(repeat(ms, rttSamples-1), time.Second), 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := rttWindow{provisional: tc.provisional}
			for _, d := range tc.samples {
				w.add(d)
			}
			if got := w.budget(); got != tc.want {
				t.Errorf("budget %v, want %v", got, tc.want)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestAwaitServer: an answer ends the wait; the connection's end or a
// silence of the whole budget is the verdict "dead"; bytes read from the
// server meanwhile postpone that verdict to a budget after them; the
// passenger going away (ctx) is no verdict.
func TestAwaitServer(t *testing.T) {
	const budget = 100 * time.Millisecond
	never := func() time.Time { return time.Time{} }
	ctx := context.Background()

	answered := make(chan struct{})
	close(answered)
	if err := awaitServer(ctx, answered, nil, budget, never); err != nil {
		t.Errorf("answered: %v", err)
	}

	lost := make(chan struct{})
	close(lost)
	if err := awaitServer(ctx, nil, lost, budget, never); !errors.Is(err, errUpstreamLost) {
		t.Errorf("lost: %v, want errUpstreamLost", err)
	}

	start := time.Now()
	err := awaitServer(ctx, nil, nil, budget, never)
	took := time.Since(start)
	var silent *silentError
	if !errors.As(err, &silent) || silent.budget != budget {
		t.Errorf("silent server: %v, want a silentError of %v", err, budget)
	}
	if took < budget || took > budget+time.Second {
		t.Errorf("silent server judged after %v, want %v (tolerance 1s)", took, budget)
	}

	// The server talks until talkFor, then falls silent: dead a budget
	// after its last bytes, not a budget after the request.
	const talkFor = 3 * budget
	start = time.Now()
	heard := func() time.Time {
		if now := time.Now(); now.Sub(start) < talkFor {
			return now
		}
		return start.Add(talkFor)
	}
	err = awaitServer(ctx, nil, nil, budget, heard)
	took = time.Since(start)
	if !errors.As(err, &silent) {
		t.Errorf("server that fell silent: %v, want a silentError", err)
	}
	if took < talkFor+budget || took > talkFor+budget+time.Second {
		t.Errorf("server that fell silent judged after %v, want %v (tolerance 1s)", took, talkFor+budget)
	}

	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := awaitServer(gone, nil, nil, budget, never); !errors.Is(err, context.Canceled) {
		t.Errorf("passenger gone: %v, want context.Canceled", err)
	}
}
