// Package crash turns a panic in any of gssh's goroutines into one orderly
// exit: the terminal put back, one line on stderr, status 255.
//
// A recover works only in the goroutine that panics, so every goroutine
// gssh starts is started through [Go] (package mux through
// MasterOptions.Go), and every function of gssh's that a library runs on
// a goroutine of its own (x/crypto's host key callback and connection
// reads and writes, keepalive probes, AfterFunc callbacks) defers
// [Recover] at its top. Both hand the panic to the process's [Handler], which cmd/gssh
// installs first thing and which ends the process; a second goroutine
// that panics meanwhile waits for that end instead of printing its own.
// Without a handler (gssh's packages used as a library) the panic goes on
// as Go's own.
//
// The handler is process-wide state, set once by main, for the reason
// os/signal's and runtime/debug.SetCrashOutput's are: a panic ends the
// whole process, whichever goroutine it happened in.
package crash

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Handler receives the value of a recovered panic and the stack of the
// goroutine that panicked. It must end the process: Recover does not
// return to the panicking code.
type Handler func(value any, stack []byte)

// state is the installed handler and the guard that lets only the first
// panic reach it.
type state struct {
	h    Handler
	once sync.Once
}

var current atomic.Pointer[state]

// Install makes h the handler of every later panic recovered by Go or
// Recover; nil removes it.
func Install(h Handler) {
	if h == nil {
		current.Store(nil)
		return
	}
	current.Store(&state{h: h})
}

// Go runs f on a new goroutine whose panic goes to the handler.
func Go(f func()) {
	go func() {
		defer Recover()
		f()
	}()
}

// Recover, deferred at the top of a goroutine or of a callback that runs
// on a library's goroutine, hands a panic to the handler. Without a
// handler it panics again with the same value.
func Recover() {
	v := recover()
	if v == nil {
		return
	}
	s := current.Load()
	if s == nil {
		panic(v)
	}
	first := false
	s.once.Do(func() {
		first = true
		s.h(v, debug.Stack())
	})
	if !first {
		// The first panic's handler is ending the process.
		select {}
	}
	// A handler that returned broke its contract; do not resume the
	// goroutine that panicked.
	panic(v)
}
