package crash

import (
	"strings"
	"testing"
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
	second := make(chan struct{})
	Go(func() {
		close(second)
		panic(2)
	})
	<-second
	select {
	case v := <-calls:
		t.Fatalf("second panic reached the handler: %v", v)
	default:
	}
}

// TestRecoverWithoutHandlerPanicsAgain: used as a library, without a
// handler, a panic stays a panic.
func TestRecoverWithoutHandlerPanicsAgain(t *testing.T) {
	Install(nil)
	defer func() {
		if v := recover(); v != "again" {
			t.Fatalf("recovered %v, want the original value", v)
		}
	}()
	func() {
		defer Recover()
		panic("again")
	}()
}

// TestRecoverWithoutPanic does nothing.
func TestRecoverWithoutPanic(t *testing.T) {
	Install(func(any, []byte) { t.Fatal("handler called without a panic") })
	defer Install(nil)
	func() { defer Recover() }()
}
