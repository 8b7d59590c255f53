package client

import (
	"sync"

	"github.com/gssh/gssh/client/tty"
)

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
