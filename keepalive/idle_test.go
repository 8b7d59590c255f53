package keepalive

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// TestIdleTimerBothDirections: the timer fires exactly limit after the
// last activity in either direction, and never while either direction is
// still moving. Times are in 100ms ticks; the limit is 2s.
func TestIdleTimerBothDirections(t *testing.T) {
	const tick, limit = 100 * time.Millisecond, 2 * time.Second
	every := func(from, to, step int) []int {
		var ts []int
		for i := from; i <= to; i += step {
			ts = append(ts, i)
		}
		return ts
	}
	tests := []struct {
		name        string
		reads       []int // ticks at which data came from the server
		writes      []int // ticks at which data went to the server
		wantFiredAt int   // tick
	}{
		{name: "no traffic at all", wantFiredAt: 20},
		{name: "reads only", reads: every(1, 30, 5), wantFiredAt: 46},
		{name: "writes only", writes: every(5, 45, 5), wantFiredAt: 65},
		{name: "reads stop, writes go on", reads: every(1, 10, 1), writes: every(5, 50, 5), wantFiredAt: 70},
		{name: "writes stop, reads go on", reads: every(3, 60, 3), writes: every(1, 10, 1), wantFiredAt: 80},
		{name: "alternating directions, each alone too sparse", reads: every(10, 70, 30), writes: every(25, 85, 30), wantFiredAt: 105},
		{name: "a gap just under the limit", reads: []int{10, 29}, wantFiredAt: 49},
		{name: "a gap of exactly the limit fires", reads: []int{10, 30}, wantFiredAt: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			it, err := NewIdleTimer(limit, clock)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- it.Run(ctx) }()
			clock.waitArmed(t, 1)
			start := clock.Now()
			touches := map[int]bool{}
			for _, x := range append(append([]int(nil), tt.reads...), tt.writes...) {
				touches[x] = true
			}
			lastTouch := 0
			for i := 1; ; i++ {
				clock.Advance(t, tick)
				select {
				case <-it.Fired():
					if i != tt.wantFiredAt {
						t.Fatalf("fired at tick %d, want %d", i, tt.wantFiredAt)
					}
					var ie *IdleError
					if err := <-done; !errors.As(err, &ie) || ie.Idle != time.Duration(i-lastTouch)*tick {
						t.Errorf("Run returned %v, want idle %v", err, time.Duration(i-lastTouch)*tick)
					}
					if got := clock.Now().Sub(start); got != time.Duration(i)*tick {
						t.Errorf("fired at %v", got)
					}
					return
				default:
				}
				if i >= 200 {
					t.Fatal("never fired")
				}
				// The timer has had its say at this instant; now traffic.
				if touches[i] {
					it.Touch()
					lastTouch = i
				}
			}
		})
	}
}

func TestIdleTimerCancel(t *testing.T) {
	base := runtime.NumGoroutine()
	clock := newFakeClock()
	it, err := NewIdleTimer(time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- it.Run(ctx) }()
	clock.waitArmed(t, 1)
	clock.Advance(t, 59*time.Second)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	select {
	case <-it.Fired():
		t.Error("Fired closed by cancellation")
	default:
	}
	if err := it.Run(context.Background()); err == nil {
		t.Error("second Run returned nil")
	}
	waitCond(t, fmt.Sprintf("goroutines back to %d", base), func() bool { return runtime.NumGoroutine() <= base })
}

// TestIdleTimerRealClock: the production clock path, with a short limit.
func TestIdleTimerRealClock(t *testing.T) {
	it, err := NewIdleTimer(50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var ie *IdleError
	if err := it.Run(context.Background()); !errors.As(err, &ie) {
		t.Fatalf("Run returned %v, want *IdleError", err)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("fired after %v, before the limit", took)
	}
}

func TestNewIdleTimer(t *testing.T) {
	for _, limit := range []time.Duration{0, -time.Second} {
		if it, err := NewIdleTimer(limit, nil); err == nil || it != nil {
			t.Errorf("NewIdleTimer(%v) = %v, %v; want an error", limit, it, err)
		}
	}
	if _, err := NewIdleTimer(time.Second, nil); err != nil {
		t.Error(err)
	}
}

func TestIdleErrorMessage(t *testing.T) {
	err := error(&IdleError{Idle: 5 * time.Minute})
	if want := "keepalive: no data in either direction for 5m0s"; err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
}

func BenchmarkIdleTouch(b *testing.B) {
	it, err := NewIdleTimer(time.Minute, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		it.Touch()
	}
}
