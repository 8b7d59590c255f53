package client

import "sync"

// Queue limits for local input on its way to the channel.
const (
	// pipedInputLimit bounds what the stdin pump reads ahead of a
	// channel that is not accepting data, when no filter needs to see
	// every byte: the pump then simply stops reading, so a pipe's
	// writer feels the server's back-pressure, as with ssh.
	pipedInputLimit = 8 * stdinChunk
	// typedInputLimit bounds what waits for the channel while an input
	// filter (the escape handler) is installed. The pump keeps reading
	// then, so that "~." is seen even when the server has stopped
	// reading and the channel window is full; beyond this many queued
	// bytes, what is typed is filtered and then discarded. It is twice
	// the 2 MiB window sshd grants, so pasting into a slow server loses
	// nothing in practice.
	typedInputLimit = 4 << 20
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
	// lossy is set when reading must never stop: put then discards
	// what does not fit instead of waiting.
	lossy bool
	// closing means no more input: the writer stops once drained, and
	// sends EOF first when eof is set.
	closing, eof bool
	// gone means the channel refused a write; the queue then accepts and
	// writes nothing more.
	gone bool
}

func newInputQueue(limit int, lossy bool) *inputQueue {
	q := &inputQueue{limit: limit, lossy: lossy}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// put queues a copy of p, so the caller may reuse p at once. A loss-free
// queue waits while it is full; a lossy one keeps what fits and reports
// how many bytes it dropped. ok is false once the channel is gone, after
// which nothing more will be sent.
func (q *inputQueue) put(p []byte) (dropped int, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.lossy && !q.gone && q.queued >= q.limit {
		q.cond.Wait()
	}
	if q.gone {
		return 0, false
	}
	if room := max(q.limit-q.queued, 0); len(p) > room && q.lossy {
		dropped = len(p) - room
		p = p[:room]
	}
	if len(p) == 0 {
		return dropped, true
	}
	// Small pieces (keystrokes) typed while the writer is blocked join
	// the last waiting chunk: fewer packets, same bytes, same order.
	if n := len(q.chunks); n > 0 && len(q.chunks[n-1])+len(p) <= stdinChunk {
		q.chunks[n-1] = append(q.chunks[n-1], p...)
	} else {
		q.chunks = append(q.chunks, append(make([]byte, 0, len(p)), p...))
	}
	q.queued += len(p)
	q.cond.Broadcast()
	return dropped, true
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
func (q *inputQueue) run(ch channelWriter, term *Terminal) {
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
