package client

import (
	"errors"
	"io"
	"os"
	"sync"
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

// errEndOfInput, from an InputFilter, ends local input as EOF does
// instead of ending the session: the bytes returned with it are sent,
// then EOF, and nothing more is read. ~& ends input this way.
var errEndOfInput = errors.New("client: end of local input")

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
					if out, ferr = filter(out); ferr == errEndOfInput {
						q.put(out)
						q.finish(true)
						return
					} else if ferr != nil {
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

// Queue limits for local input on its way to the channel.
const (
	// pipedInputLimit bounds what the stdin pump reads ahead of a
	// channel that is not accepting data, when no filter needs to see
	// every byte: the pump then simply stops reading, so a pipe's
	// writer feels the server's back-pressure, as with ssh.
	pipedInputLimit = 8 * stdinChunk
	// typedInputLimit bounds what waits for the channel while an input
	// filter (the escape handler) is installed. The pump reads this far
	// ahead so that "~." is seen even when the server has stopped reading
	// and the channel window is full. Beyond it the pump stops reading
	// rather than drop input: gssh never loses data, and a frozen server
	// behind a backlog that large is still ended by the keepalive
	// watchdog or --timeout. It is twice the 2 MiB window sshd grants.
	typedInputLimit = 4 << 20
	// maxSpareChunks bounds the written chunks kept for reuse: enough
	// for a full piped queue plus the chunk being written, 288 KiB.
	maxSpareChunks = pipedInputLimit/stdinChunk + 1
)

// inputQueue carries local input from the stdin pump's reader to the
// goroutine that writes it to the channel, in order. A write blocked on
// the channel window then blocks only the writer, never the reader.
type inputQueue struct {
	mu   sync.Mutex
	cond *sync.Cond // broadcast on every change below

	chunks [][]byte // waiting to be written, oldest first
	queued int      // bytes in chunks plus the chunk being written
	limit  int
	// closing means no more input: the writer stops once drained, and
	// sends EOF first when eof is set.
	closing, eof bool
	// gone means the channel refused a write; the queue then accepts and
	// writes nothing more.
	gone bool
	// spare holds written stdinChunk-sized buffers for reuse: without
	// it a bulk upload allocated, and the GC swept, one 32 KiB chunk
	// per read, about 10 % of gssh's CPU (docs/performance.md).
	spare [][]byte
}

func newInputQueue(limit int) *inputQueue {
	q := &inputQueue{limit: limit}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// put queues a copy of p, so the caller may reuse p at once, waiting
// while the queue is full. It reports false once the channel is gone,
// after which nothing more will be sent.
func (q *inputQueue) put(p []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.gone && q.queued >= q.limit {
		q.cond.Wait()
	}
	if q.gone {
		return false
	}
	if len(p) == 0 {
		return true
	}
	// Small pieces (keystrokes) typed while the writer is blocked join
	// the last waiting chunk: fewer packets, same bytes, same order.
	if n := len(q.chunks); n > 0 && len(q.chunks[n-1])+len(p) <= stdinChunk {
		q.chunks[n-1] = append(q.chunks[n-1], p...)
	} else {
		q.chunks = append(q.chunks, append(q.buffer(len(p)), p...))
	}
	q.queued += len(p)
	q.cond.Broadcast()
	return true
}

// buffer returns an empty buffer for a chunk of n bytes: a spare one
// when there is one, a full-sized one for bulk input so that it can be
// reused, or an exact one for a keystroke. Called with q.mu held.
func (q *inputQueue) buffer(n int) []byte {
	if k := len(q.spare); k > 0 && cap(q.spare[k-1]) >= n {
		b := q.spare[k-1]
		q.spare[k-1] = nil
		q.spare = q.spare[:k-1]
		return b[:0]
	}
	if n > stdinChunk/4 {
		return make([]byte, 0, max(n, stdinChunk))
	}
	return make([]byte, 0, n)
}

// finish marks the end of input: the writer stops after the last queued
// byte, sending EOF on the channel if eof is set. A writer blocked in
// Write returns when the channel or connection closes.
func (q *inputQueue) finish(eof bool) {
	q.mu.Lock()
	q.closing, q.eof = true, eof
	q.cond.Broadcast()
	q.mu.Unlock()
}

// len reports how many bytes wait for the channel (~# shows it).
func (q *inputQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.queued
}

// run writes queued input to ch until the queue is finished and drained,
// or a write fails.
func (q *inputQueue) run(ch channelWriter, term *tty.Terminal) {
	defer term.RestoreOnPanic()
	for {
		q.mu.Lock()
		for len(q.chunks) == 0 && !q.closing && !q.gone {
			q.cond.Wait()
		}
		if q.gone || len(q.chunks) == 0 {
			eof := q.eof && !q.gone
			q.mu.Unlock()
			if eof {
				ch.CloseWrite()
			}
			return
		}
		c := q.chunks[0]
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
		q.mu.Unlock()

		_, err := ch.Write(c)

		q.mu.Lock()
		q.queued -= len(c)
		// The channel copied c into its packet; the buffer is free.
		if cap(c) == stdinChunk && len(q.spare) < maxSpareChunks {
			q.spare = append(q.spare, c)
		}
		if err != nil {
			q.gone = true // the channel is gone; nothing left to do
			q.chunks = nil
		}
		q.cond.Broadcast()
		q.mu.Unlock()
		if err != nil {
			return
		}
	}
}
