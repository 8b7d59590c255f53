package keepalive

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeCall is one probe the watchdog sent, waiting for the test to answer.
type probeCall struct{ answer chan error }

// fakeProber hands every probe to the test and blocks it until answered.
type fakeProber struct {
	calls chan *probeCall
	// ignoreCtx makes Probe hang even after cancellation, as x/crypto's
	// SendRequest does; released ends the hang when the test is over.
	ignoreCtx bool
	released  chan struct{}
	once      sync.Once
}

// release ends every hung probe, present and future.
func (p *fakeProber) release() { p.once.Do(func() { close(p.released) }) }

func newFakeProber(ignoreCtx bool) *fakeProber {
	return &fakeProber{calls: make(chan *probeCall, 64), ignoreCtx: ignoreCtx, released: make(chan struct{})}
}

func (p *fakeProber) Probe(ctx context.Context) error {
	c := &probeCall{answer: make(chan error, 1)}
	p.calls <- c
	if p.ignoreCtx {
		select {
		case err := <-c.answer:
			return err
		case <-p.released:
			return errors.New("released")
		}
	}
	select {
	case err := <-c.answer:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// harness runs a Watchdog on a fake clock.
type harness struct {
	t      *testing.T
	clock  *fakeClock
	start  time.Time
	w      *Watchdog
	prober *fakeProber
	cancel context.CancelFunc

	done    chan struct{} // closed when Run returned
	runErr  error         // valid once done is closed
	answers int           // probes answered so far
}

func newHarness(t *testing.T, interval time.Duration, countMax int, ignoreCtx bool) *harness {
	t.Helper()
	clock := newFakeClock()
	p := newFakeProber(ignoreCtx)
	w, err := New(Config{Interval: interval, CountMax: countMax, Clock: clock}, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, clock: clock, w: w, prober: p, cancel: cancel, done: make(chan struct{})}
	go func() {
		h.runErr = w.Run(ctx)
		close(h.done)
	}()
	clock.waitArmed(t, 1) // Run has started and armed its timer
	h.start = clock.Now()
	t.Cleanup(func() {
		cancel()
		p.release()
		h.wait()
	})
	return h
}

// at returns the fake time elapsed since Run started.
func (h *harness) at() time.Duration { return h.clock.Now().Sub(h.start) }

func (h *harness) advance(d time.Duration) { h.t.Helper(); h.clock.Advance(h.t, d) }

// advanceTo moves the fake clock to start+at.
func (h *harness) advanceTo(at time.Duration) {
	h.t.Helper()
	if at < h.at() {
		h.t.Fatalf("advanceTo(%v) but already at %v", at, h.at())
	}
	h.advance(at - h.at())
}

func (h *harness) dead() bool {
	select {
	case <-h.w.Dead():
		return true
	default:
		return false
	}
}

// expectProbe returns the next probe the watchdog sent.
func (h *harness) expectProbe() *probeCall {
	h.t.Helper()
	select {
	case c := <-h.prober.calls:
		return c
	case <-time.After(settleTimeout):
		h.t.Fatalf("at %v: no probe sent", h.at())
		return nil
	}
}

// answer delivers a probe's result and waits until the watchdog took it in.
func (h *harness) answer(c *probeCall, err error) {
	h.t.Helper()
	c.answer <- err
	h.answers++
	waitCond(h.t, "the watchdog to take in the probe result", func() bool { return !h.w.State().Probing })
}

// wait returns Run's result.
func (h *harness) wait() error {
	h.t.Helper()
	select {
	case <-h.done:
		return h.runErr
	case <-time.After(settleTimeout):
		h.t.Fatal("Run did not return")
		return nil
	}
}

// stepUntilDead advances in ticks until the watchdog declares the server
// dead and returns the fake time at which it did.
func (h *harness) stepUntilDead(tick, limit time.Duration) time.Duration {
	h.t.Helper()
	for !h.dead() {
		if h.at() > limit {
			h.t.Fatalf("not dead after %v", h.at())
		}
		h.advance(tick)
	}
	return h.at()
}

// checkDeadError checks Run's error against the expected silence.
func (h *harness) checkDeadError(silence time.Duration, missed int) {
	h.t.Helper()
	err := h.wait()
	var de *DeadError
	if !errors.As(err, &de) {
		h.t.Fatalf("Run returned %v, want a *DeadError", err)
	}
	if de.Silence != silence || de.Missed != missed {
		h.t.Errorf("DeadError{Silence: %v, Missed: %d}, want {%v, %d}", de.Silence, de.Missed, silence, missed)
	}
	if !h.w.State().Dead {
		h.t.Error("State().Dead is false after death")
	}
}

// TestWatchdogHealthy: an otherwise silent server that answers every probe
// at once is probed exactly once per interval and never declared dead.
func TestWatchdogHealthy(t *testing.T) {
	h := newHarness(t, time.Second, 2, false)
	for i := 1; i <= 100; i++ {
		h.advance(time.Second)
		st := h.w.State()
		if !st.Probing || st.Missed != 1 {
			t.Fatalf("at %v: probing %v missed %d, want a probe and 1 miss", h.at(), st.Probing, st.Missed)
		}
		h.answer(h.expectProbe(), nil)
		st = h.w.State()
		if st.Missed != 0 || !st.LastReply.Equal(h.clock.Now()) || !st.Deadline.Equal(h.clock.Now().Add(time.Second)) {
			t.Fatalf("at %v after reply: %+v", h.at(), st)
		}
	}
	if h.dead() {
		t.Fatal("healthy server declared dead")
	}
	if h.answers != 100 {
		t.Errorf("answered %d probes, want 100", h.answers)
	}
}

// TestWatchdogInboundDataKeepsAlive: while data keeps arriving the
// watchdog neither probes nor dies, even with a prober that would hang;
// when data stops, death comes exactly 3s (CountMax 2, Interval 1s) after
// the last byte.
func TestWatchdogInboundDataKeepsAlive(t *testing.T) {
	h := newHarness(t, time.Second, 2, true)
	for i := 0; i < 200; i++ {
		h.advance(900 * time.Millisecond)
		h.w.Touch()
		if st := h.w.State(); st.Probing || st.Missed != 0 || st.Dead {
			t.Fatalf("at %v with data flowing: %+v", h.at(), st)
		}
	}
	last := h.at()
	deadAt := h.stepUntilDead(10*time.Millisecond, last+time.Minute)
	if got := deadAt - last; got != 3*time.Second {
		t.Errorf("dead %v after the last data, want exactly 3s", got)
	}
	h.checkDeadError(3*time.Second, 3)
}

// TestWatchdogInterval1sCountMax2 is the figure from the brief worked out
// exactly. Data last arrives at 0.5s. Deadline 1.5s: miss 1 <= 2, probe
// (it hangs). 2.5s: miss 2 <= 2, the probe is still in flight so nothing
// new is sent. 3.5s: miss 3 > 2: dead, 3s after the last data. (OpenSSH
// rounds to whole seconds and can fire up to 1s sooner; gssh does not.)
func TestWatchdogInterval1sCountMax2(t *testing.T) {
	h := newHarness(t, time.Second, 2, true)
	h.advanceTo(500 * time.Millisecond)
	h.w.Touch()

	h.advanceTo(1499 * time.Millisecond)
	if st := h.w.State(); st.Probing || st.Missed != 0 {
		t.Fatalf("at 1.499s: %+v", st)
	}
	h.advanceTo(1500 * time.Millisecond)
	if st := h.w.State(); !st.Probing || st.Missed != 1 {
		t.Fatalf("at 1.5s: %+v, want first probe", st)
	}
	h.expectProbe() // never answered
	h.advanceTo(2500 * time.Millisecond)
	if st := h.w.State(); !st.Probing || st.Missed != 2 || st.Dead {
		t.Fatalf("at 2.5s: %+v, want 2 misses, alive", st)
	}
	h.advanceTo(3499 * time.Millisecond)
	if h.dead() {
		t.Fatal("dead before 3.5s")
	}
	h.advanceTo(3500 * time.Millisecond)
	if !h.dead() {
		t.Fatal("alive at 3.5s, 3s after the last data")
	}
	h.checkDeadError(3*time.Second, 3)
	assertNoMoreProbes(t, h)
}

// assertNoMoreProbes checks, once every probe goroutine has ended, that
// the watchdog sent no probe the test did not take.
func assertNoMoreProbes(t *testing.T, h *harness) {
	t.Helper()
	h.prober.release()
	waitCond(t, "probe goroutines to end", func() bool { return probeGoroutines() == 0 })
	if n := len(h.prober.calls); n != 0 {
		t.Errorf("%d extra probes sent while one was in flight", n)
	}
}

// probeGoroutines counts goroutines started by Watchdog.Run, which are its
// probes. It matches the "created by" line, which names the creator even
// before the goroutine has called Probe.
func probeGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "created by github.com/gssh/gssh/keepalive.(*Watchdog).Run")
}

// TestWatchdogHungProbeDeadOnSchedule: a probe that never returns must not
// delay the verdict, for any CountMax and Interval: the server is alive one
// tick before (CountMax+1)×Interval and dead at it.
func TestWatchdogHungProbeDeadOnSchedule(t *testing.T) {
	for _, interval := range []time.Duration{100 * time.Millisecond, time.Second, 30 * time.Second} {
		for countMax := 0; countMax <= 4; countMax++ {
			t.Run(fmt.Sprintf("I=%v/CM=%d", interval, countMax), func(t *testing.T) {
				h := newHarness(t, interval, countMax, true)
				tick := interval / 10
				want := time.Duration(countMax+1) * interval
				h.advanceTo(want - tick)
				if h.dead() {
					t.Fatalf("dead at %v, one tick early", h.at())
				}
				h.advance(tick)
				if !h.dead() {
					t.Fatalf("alive at %v", h.at())
				}
				h.checkDeadError(want, countMax+1)
				if countMax > 0 {
					h.expectProbe() // the first and only one
				}
				assertNoMoreProbes(t, h)
			})
		}
	}
}

// TestWatchdogLateReplies: a reply that arrives after several misses, even
// after CountMax of them, resets the count; death then comes
// (CountMax+1)×Interval after the last reply.
func TestWatchdogLateReplies(t *testing.T) {
	h := newHarness(t, time.Second, 2, false)
	h.advanceTo(time.Second)
	first := h.expectProbe()
	h.advanceTo(2500 * time.Millisecond) // second expiry at 2s: 2 misses
	if st := h.w.State(); st.Missed != 2 {
		t.Fatalf("missed %d at 2.5s, want 2", st.Missed)
	}
	h.answer(first, nil) // 1.5s late
	if st := h.w.State(); st.Missed != 0 || st.Deadline.Sub(h.start) != 3500*time.Millisecond {
		t.Fatalf("after the late reply: missed %d, deadline %v; want 0 and 3.5s", st.Missed, st.Deadline.Sub(h.start))
	}
	h.advanceTo(3500 * time.Millisecond)
	second := h.expectProbe()
	h.advanceTo(4 * time.Second)
	h.answer(second, errors.New("ssh: disconnect")) // a failed send is not a reply...
	if st := h.w.State(); st.Missed != 1 {
		t.Fatalf("missed %d after a failed probe, want 1", st.Missed)
	}
	h.advanceTo(4500 * time.Millisecond) // ...so the count goes on: 2 misses, a new probe
	if st := h.w.State(); st.Missed != 2 {
		t.Fatalf("missed %d at 4.5s, want 2", st.Missed)
	}
	third := h.expectProbe()
	h.advanceTo(5400 * time.Millisecond)
	h.answer(third, nil) // sshd's REQUEST_FAILURE is still a reply: nil
	lastReply := h.at()
	h.advanceTo(6400 * time.Millisecond)
	h.expectProbe() // never answered
	deadAt := h.stepUntilDead(100*time.Millisecond, time.Minute)
	if got := deadAt - lastReply; got != 3*time.Second {
		t.Errorf("dead %v after the last reply, want 3s", got)
	}
	h.checkDeadError(3*time.Second, 3)
}

// TestWatchdogProbeErrors: probes that fail at once (the connection is
// going away) do not count as replies, are retried once per interval, and
// death comes on the usual schedule.
func TestWatchdogProbeErrors(t *testing.T) {
	h := newHarness(t, time.Second, 2, false)
	for _, at := range []time.Duration{time.Second, 2 * time.Second} {
		h.advanceTo(at)
		h.answer(h.expectProbe(), errors.New("ssh: disconnect"))
	}
	h.advanceTo(3*time.Second - 1)
	if h.dead() {
		t.Fatal("dead early")
	}
	h.advanceTo(3 * time.Second)
	if !h.dead() {
		t.Fatal("alive at 3s")
	}
	h.checkDeadError(3*time.Second, 3)
}

// TestWatchdogCancelLeavesNoGoroutines: cancelling Run with a probe in
// flight ends Run and, with a Prober that honours ctx, the probe too.
func TestWatchdogCancelLeavesNoGoroutines(t *testing.T) {
	for _, clock := range []string{"fake", "real"} {
		t.Run(clock, func(t *testing.T) {
			base := runtime.NumGoroutine()
			p := newFakeProber(false)
			cfg := Config{Interval: time.Millisecond, CountMax: 1000}
			var fake *fakeClock
			if clock == "fake" {
				fake = newFakeClock()
				cfg.Clock = fake
			}
			w, err := New(cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			if fake != nil {
				fake.waitArmed(t, 1)
				fake.Advance(t, time.Millisecond)
			}
			<-p.calls // a probe is in flight and unanswered
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
			waitCond(t, fmt.Sprintf("goroutines back to %d", base), func() bool { return runtime.NumGoroutine() <= base })
			select {
			case <-w.Dead():
				t.Error("Dead closed by cancellation")
			default:
			}
		})
	}
}

// TestWatchdogDeathLeavesNoGoroutines: after death, Run's probe goroutine
// ends once its context is cancelled.
func TestWatchdogDeathLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	clock := newFakeClock()
	p := newFakeProber(false)
	w, err := New(Config{Interval: time.Second, CountMax: 1, Clock: clock}, p)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background()) }()
	clock.waitArmed(t, 1)
	clock.Advance(t, 2*time.Second)
	<-p.calls
	var de *DeadError
	if err := <-done; !errors.As(err, &de) {
		t.Fatalf("Run returned %v, want *DeadError", err)
	}
	waitCond(t, fmt.Sprintf("goroutines back to %d", base), func() bool { return runtime.NumGoroutine() <= base })
}

func TestWatchdogRunTwice(t *testing.T) {
	h := newHarness(t, time.Second, 3, false)
	if err := h.w.Run(context.Background()); err == nil {
		t.Fatal("second Run returned nil")
	}
	h.advance(500 * time.Millisecond)
	if h.dead() {
		t.Fatal("second Run disturbed the first")
	}
}

func TestNew(t *testing.T) {
	p := ProbeFunc(func(context.Context) error { return nil })
	tests := []struct {
		name   string
		cfg    Config
		prober Prober
		ok     bool
	}{
		{"defaults", Config{Interval: 15 * time.Second, CountMax: 3}, p, true},
		{"count max zero", Config{Interval: time.Second}, p, true},
		{"zero interval", Config{CountMax: 3}, p, false},
		{"negative interval", Config{Interval: -time.Second, CountMax: 3}, p, false},
		{"negative count", Config{Interval: time.Second, CountMax: -1}, p, false},
		{"nil prober", Config{Interval: time.Second, CountMax: 3}, nil, false},
	}
	for _, tt := range tests {
		w, err := New(tt.cfg, tt.prober)
		if (err == nil) != tt.ok || (w != nil) != tt.ok {
			t.Errorf("%s: New = %v, %v; want ok=%v", tt.name, w, err, tt.ok)
		}
	}
}

// TestWatchdogState checks the snapshot the ~I escape shows, before and
// while running.
func TestWatchdogState(t *testing.T) {
	clock := newFakeClock()
	created := clock.Now()
	w, err := New(Config{Interval: 10 * time.Second, CountMax: 3, Clock: clock}, ProbeFunc(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}))
	if err != nil {
		t.Fatal(err)
	}
	st := w.State()
	want := State{Now: created, LastRead: created, Deadline: created.Add(10 * time.Second)}
	if st != want {
		t.Errorf("before Run: %+v, want %+v", st, want)
	}
	clock.Advance(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	clock.waitArmed(t, 1)
	started := clock.Now()
	clock.Advance(t, 3*time.Second)
	w.Touch()
	touched := clock.Now()
	clock.Advance(t, 10*time.Second)
	st = w.State()
	want = State{
		Now:      started.Add(13 * time.Second),
		LastRead: touched,
		Missed:   1,
		Probing:  true,
		Deadline: started.Add(23 * time.Second),
	}
	if st != want {
		t.Errorf("running: %+v, want %+v", st, want)
	}
}

// TestTouchConcurrent exercises Touch from many goroutines while the
// watchdog runs and State is read; its value is under -race. The
// hammering goroutines read the fake clock at random moments, so they may
// store stale times: the stamp must never move back past the test's own
// Touch after each step.
func TestTouchConcurrent(t *testing.T) {
	h := newHarness(t, time.Second, 3, false)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					h.w.Touch()
					_ = h.w.State()
				}
			}
		}()
	}
	for i := 0; i < 100; i++ {
		h.advance(300 * time.Millisecond)
		h.w.Touch()
		if st := h.w.State(); !st.LastRead.Equal(st.Now) || st.Missed != 0 || st.Probing {
			t.Fatalf("step %d: %+v", i, st)
		}
	}
	close(stop)
	wg.Wait()
}

// TestTouchDoesNotAllocate: Touch runs on every read of the connection.
func TestTouchDoesNotAllocate(t *testing.T) {
	w, err := New(Config{Interval: time.Second, CountMax: 3}, ProbeFunc(func(context.Context) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, w.Touch); n != 0 {
		t.Errorf("Touch allocates %v times per call", n)
	}
}

func BenchmarkTouch(b *testing.B) {
	w, err := New(Config{Interval: time.Second, CountMax: 3}, ProbeFunc(func(context.Context) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		w.Touch()
	}
}

// BenchmarkTouchParallel shows the cost when reads and other Touch callers
// contend for the stamp's cache line.
func BenchmarkTouchParallel(b *testing.B) {
	w, err := New(Config{Interval: time.Second, CountMax: 3}, ProbeFunc(func(context.Context) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.Touch()
		}
	})
}

func TestDeadErrorMessage(t *testing.T) {
	err := error(&DeadError{Silence: 45 * time.Second, Missed: 4})
	want := "keepalive: server not responding: nothing received for 45s, 4 checks unanswered"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
}
