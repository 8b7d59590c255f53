package reexec

import (
	"bytes"
	"io"
	"os"
	"sync"
)

// Report is the child's side of the report pipe. For -f's child it also
// collects what the child logs until it is ready and then hands it to
// the waiting parent, which prints it as if it had been the one
// connecting. After that the child has no stderr (ssh's daemon() sends
// it to /dev/null too). Its methods do nothing on a nil *Report, a gssh
// nobody re-executed.
type Report struct {
	pipe *os.File
	tty  *os.File // the caller's terminal, nil without one

	mu      sync.Mutex
	buf     bytes.Buffer
	relay   bool // messages logged so far reach the parent
	written bool // the report has been sent
}

// Write collects a log line for the parent. Lines before Relay are
// dropped: the parent printed the same ones before it started the child.
func (r *Report) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.relay && !r.written {
		r.buf.Write(p)
	}
	return len(p), nil
}

// Relay marks the point where the parent stopped and the child took
// over: what is logged from here on is the parent's to print.
func (r *Report) Relay() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.relay = true
	r.mu.Unlock()
}

// TTY is the caller's terminal, for prompts; nil without one.
func (r *Report) TTY() *os.File {
	if r == nil {
		return nil
	}
	return r.tty
}

// Send writes the report once: the state line, the messages collected
// so far, then text. -f's child sends Ready once it is ready, and Failed,
// deferred, when it ends before that; a background master sends one of
// the three states.
func (r *Report) Send(state State, text string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written {
		return
	}
	r.written = true
	io.WriteString(r.pipe, string(state)+"\n"+r.buf.String()+text)
	r.pipe.Close()
	r.buf.Reset()
	// Like ssh after daemon(), the child keeps no hold on the terminal.
	if r.tty != nil {
		r.tty.Close()
	}
}
