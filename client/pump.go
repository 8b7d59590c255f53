package client

import (
	"errors"
	"io"
	"os"
	"time"
)

// InputFilter sees every chunk of local input before it is sent and
// returns the bytes to send in its place (nil or empty sends nothing). A
// non-nil error ends the session: Run closes the channel and returns that
// error unchanged, which is how the escape-character handler implements
// "~.". Chunks arrive as the reader returns them, so a filter must keep
// its own state across calls.
type InputFilter func(p []byte) ([]byte, error)

// stdinChunk is the read size of the stdin pump, one maximum SSH packet.
const stdinChunk = 32 * 1024

// stdinPump copies local input into the session channel. It is not
// Session.Stdin: that copy can never be cancelled and makes Wait block on
// stdin. The pump's goroutine may stay blocked in Read after the session
// ends when the reader cannot be interrupted (a blocking fd 0); gssh exits
// right after, and readers with deadlines are interrupted by stop.
type stdinPump struct {
	in io.Reader
	// done is closed when the goroutine has finished.
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
// EOF on the channel.
func startStdinPump(in io.Reader, ch channelWriter, filter InputFilter, term *Terminal, log *Logger) *stdinPump {
	p := &stdinPump{in: in, done: make(chan struct{}), failed: make(chan error, 1)}
	go func() {
		defer close(p.done)
		defer term.RestoreOnPanic()
		buf := make([]byte, stdinChunk)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				out := buf[:n]
				if filter != nil {
					var ferr error
					if out, ferr = filter(out); ferr != nil {
						p.failed <- ferr
						return
					}
				}
				if len(out) > 0 {
					if _, werr := ch.Write(out); werr != nil {
						return // the channel is gone; nothing left to do
					}
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					// Interrupted by stop, not the end of input: leave
					// the reader usable for whoever reads it next.
					in.(readDeadliner).SetReadDeadline(time.Time{})
					return
				}
				if err != io.EOF {
					log.Logf(LevelDebug1, "read from stdin failed: %v", err)
				}
				ch.CloseWrite()
				return
			}
		}
	}()
	return p
}

// readDeadliner is implemented by *os.File when its descriptor is
// pollable (pipes, ptys, sockets; not a blocking inherited fd 0).
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

// stop interrupts a pump still blocked in Read if the reader allows it, so
// that a finished session consumes no more local input. The pump clears
// the deadline again when it sees it; stop does not wait, since the pump
// may instead be blocked writing to a channel the server never closes.
func (p *stdinPump) stop() {
	if d, ok := p.in.(readDeadliner); ok {
		d.SetReadDeadline(time.Unix(1, 0))
	}
}

// copyOutput writes one remote stream to a local writer until the channel
// delivers EOF. When the local side fails (a closed pipe), the rest is
// read and dropped, as ssh does, so the shared channel window keeps
// moving and the other stream is not starved.
func copyOutput(dst io.Writer, src io.Reader, name string, term *Terminal, log *Logger) {
	defer term.RestoreOnPanic()
	if dst == nil {
		dst = io.Discard
	}
	if _, err := io.Copy(dst, src); err != nil {
		log.Logf(LevelDebug1, "write to %s failed: %v", name, err)
		io.Copy(io.Discard, src)
	}
}
