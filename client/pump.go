package client

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/crash"
)

// InputFilter sees every chunk of local input before it is sent and
// returns the bytes to send in its place (nil or empty sends nothing). A
// non-nil error ends the session: Run closes the channel and returns that
// error unchanged, which is how the escape-character handler implements
// "~.". Chunks arrive as the reader returns them, so a filter must keep
// its own state across calls. The pump copies the returned bytes before
// the next call, so a filter may reuse its output buffer.
type InputFilter func(p []byte) ([]byte, error)

// stdinChunk is the read size of the stdin pump, one maximum SSH packet.
const stdinChunk = 32 * 1024

// stdinPump copies local input into the session channel. It is not
// Session.Stdin: that copy can never be cancelled and makes Wait block on
// stdin. Reading and filtering run in one goroutine and writing to the
// channel in another, joined by an inputQueue: a server that stops
// reading blocks only the writer, so the escape filter still sees "~.".
// The reading goroutine may stay blocked in Read after the session ends
// when the reader cannot be interrupted (a blocking fd 0); gssh exits
// right after, and readers with deadlines are interrupted by stop.
type stdinPump struct {
	in io.Reader
	q  *inputQueue
	// done is closed when both goroutines have finished: everything
	// read has been written, or the channel failed.
	done chan struct{}
	// failed receives the filter's error, at most once.
	failed chan error
}

// channelWriter is the part of ssh.Channel the pump needs.
type channelWriter interface {
	io.Writer
	CloseWrite() error
}

// startStdinPump starts copying in to ch through filter (identity when
// nil). Local EOF, or a read error, which ssh treats the same way, sends
// EOF on the channel once everything read before it has been written.
// With a filter the pump reads further ahead of a stalled server; see
// typedInputLimit.
func startStdinPump(in io.Reader, ch channelWriter, filter InputFilter, term *tty.Terminal, log *sshlog.Logger) *stdinPump {
	q := newInputQueue(pipedInputLimit)
	if filter != nil {
		q = newInputQueue(typedInputLimit)
	}
	p := &stdinPump{in: in, q: q, done: make(chan struct{}), failed: make(chan error, 1)}
	read, wrote := make(chan struct{}), make(chan struct{})
	crash.Go(func() {
		<-read
		<-wrote
		close(p.done)
	})
	crash.Go(func() {
		defer close(wrote)
		q.run(ch, term)
	})
	crash.Go(func() {
		defer close(read)
		defer term.RestoreOnPanic()
		buf := make([]byte, stdinChunk)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				out := buf[:n]
				if filter != nil {
					var ferr error
					if out, ferr = filter(out); ferr != nil {
						q.finish(false)
						p.failed <- ferr
						return
					}
				}
				if !q.put(out) {
					return // the channel is gone; nothing left to do
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					// Interrupted by stop, not the end of input: leave
					// the reader usable for whoever reads it next.
					in.(readDeadliner).SetReadDeadline(time.Time{})
					q.finish(false)
					return
				}
				if err != io.EOF {
					log.Logf(config.LogDebug1, "read from stdin failed: %v", err)
				}
				q.finish(true)
				return
			}
		}
	})
	return p
}

// readDeadliner is implemented by *os.File when its descriptor is
// pollable (pipes, ptys, sockets; not a blocking inherited fd 0).
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

// stop interrupts a pump still blocked in Read if the reader allows it, so
// that a finished session consumes no more local input. The pump clears
// the deadline again when it sees it. stop does not wait: the writer may
// be blocked on a channel the server never closes, until the connection
// closes.
func (p *stdinPump) stop() {
	if d, ok := p.in.(readDeadliner); ok {
		d.SetReadDeadline(time.Unix(1, 0))
	}
}

// copyOutput writes one remote stream to a local writer until the channel
// delivers EOF. When the local side fails (a closed pipe), the rest is
// read and dropped, as ssh does, so the shared channel window keeps
// moving and the other stream is not starved.
func copyOutput(dst io.Writer, src io.Reader, name string, term *tty.Terminal, log *sshlog.Logger) {
	defer term.RestoreOnPanic()
	if dst == nil {
		dst = io.Discard
	}
	if _, err := io.Copy(dst, outputHook(src)); err != nil {
		log.Logf(config.LogDebug1, "write to %s failed: %v", name, err)
		io.Copy(io.Discard, src)
	}
}
