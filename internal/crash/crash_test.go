package crash

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestGoHandsPanicToHandler: a panic on a goroutine started by Go reaches
// the handler with its value and the stack of the panicking goroutine.
func TestGoHandsPanicToHandler(t *testing.T) {
	type report struct {
		v     any
		stack string
	}
	got := make(chan report, 1)
	Install(func(v any, stack []byte) {
		got <- report{v, string(stack)}
		select {} // stands in for os.Exit
	})
	defer Install(nil)
	Go(func() { panicInGoroutine() })
	r := <-got
	if r.v != "boom" {
		t.Fatalf("handler got %v, want boom", r.v)
	}
	if !strings.Contains(r.stack, "panicInGoroutine") {
		t.Fatalf("stack does not show the panicking function:\n%s", r.stack)
	}
}

func panicInGoroutine() { panic("boom") }

// TestOnlyFirstPanicReachesHandler: two goroutines that panic produce one
// report; the second waits for the first to end the process.
func TestOnlyFirstPanicReachesHandler(t *testing.T) {
	calls := make(chan any, 2)
	Install(func(v any, stack []byte) {
		calls <- v
		select {}
	})
	defer Install(nil)
	Go(func() { panic(1) })
	<-calls
	Go(panicSecond)
	// Until the second goroutine waits in Recover, removing the handler
	// at the end of the test would make its panic Go's own, and end the
	// test binary.
	deadline := time.Now().Add(10 * time.Second)
	for !parkedAfterPanic("panicSecond") {
		if time.Now().After(deadline) {
			t.Fatal("the second panic never reached Recover's wait")
		}
		runtime.Gosched()
	}
	select {
	case v := <-calls:
		t.Fatalf("second panic reached the handler: %v", v)
	default:
	}
}

func panicSecond() { panic(2) }

// parkedAfterPanic tells whether the goroutine that this goroutine
// started and in which fn panicked waits in Recover for good: its stack,
// under the deferred Recover, still holds fn, and it is blocked, which
// in Recover happens only once it holds the handler (in the Once that
// the first panic's handler never leaves, or in the select after it).
// Goroutines parked by earlier runs of the test (-count) have another
// parent.
func parkedAfterPanic(fn string) bool {
	buf := make([]byte, 1<<20)
	self, _, _ := strings.Cut(string(buf[:runtime.Stack(buf, false)]), " [")
	parent := "in " + self + "\n"
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		blocked := !strings.Contains(header, "[running") && !strings.Contains(header, "[runnable")
		if blocked && strings.Contains(g, "crash.Recover(") && strings.Contains(g, "crash."+fn+"(") && strings.Contains(g, parent) {
			return true
		}
	}
	return false
}
