package client

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// fakeChannel records what the pump sends.
type fakeChannel struct {
	mu     sync.Mutex
	data   bytes.Buffer
	eof    bool
	eofSet chan struct{}
}

func newFakeChannel() *fakeChannel { return &fakeChannel{eofSet: make(chan struct{})} }

func (f *fakeChannel) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.data.Write(p)
}

func (f *fakeChannel) CloseWrite() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eof = true
	close(f.eofSet)
	return nil
}

func waitEOF(t *testing.T, f *fakeChannel) {
	t.Helper()
	select {
	case <-f.eofSet:
	case <-time.After(10 * time.Second):
		t.Fatal("pump did not send EOF")
	}
}

func TestStdinPumpFiltersEveryChunk(t *testing.T) {
	ch := newFakeChannel()
	var chunks []string
	filter := func(p []byte) ([]byte, error) {
		chunks = append(chunks, string(p))
		return bytes.ReplaceAll(p, []byte("x"), nil), nil
	}
	// OneByteReader splits the input: the filter must see every piece.
	startStdinPump(iotest.OneByteReader(bytes.NewReader([]byte("axbx"))), ch, filter, nil, nil)
	waitEOF(t, ch)
	if ch.data.String() != "ab" || len(chunks) != 4 {
		t.Fatalf("sent %q after %d chunks", ch.data.String(), len(chunks))
	}
}

func TestStdinPumpFilterErrorStops(t *testing.T) {
	ch := newFakeChannel()
	stop := errors.New("stop")
	r, w := io.Pipe()
	defer w.Close()
	p := startStdinPump(r, ch, func(b []byte) ([]byte, error) {
		if bytes.Contains(b, []byte(".")) {
			return nil, stop
		}
		return b, nil
	}, nil, nil)
	w.Write([]byte("ok"))
	w.Write([]byte("."))
	select {
	case err := <-p.failed:
		if err != stop {
			t.Fatalf("failed with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("filter error not reported")
	}
	// The writer goroutine still sends what was read before the error.
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("pump did not finish after the filter error")
	}
	if ch.data.String() != "ok" || ch.eof {
		t.Fatalf("sent %q, eof %v; want only the data before the error", ch.data.String(), ch.eof)
	}
}

// TestStdinPumpReadErrorIsEOF: ssh treats a failed read like end of input.
func TestStdinPumpReadErrorIsEOF(t *testing.T) {
	ch := newFakeChannel()
	startStdinPump(iotest.ErrReader(errors.New("EIO")), ch, nil, nil, nil)
	waitEOF(t, ch)
}

// TestStdinPumpStop interrupts a pump blocked reading a pollable file and
// leaves the file usable.
func TestStdinPumpStop(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	ch := newFakeChannel()
	p := startStdinPump(r, ch, nil, nil, nil)
	w.Write([]byte("before"))
	p.stop()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("pump still reading after stop")
	}
	// The pump cleared the deadline: the next reader gets the data
	// written after the session (and "before" if the pump had not yet
	// read it).
	w.Write([]byte("after"))
	w.Close()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := ch.data.String() + string(rest); got != "beforeafter" {
		t.Fatalf("pump sent %q, reader got %q", ch.data.String(), rest)
	}
	if ch.eof {
		t.Fatal("stop sent EOF")
	}
}

// stuckChannel is a channel whose window stays full: Write blocks until
// release is closed, then records the data, or fails once broken.
type stuckChannel struct {
	release chan struct{}
	mu      sync.Mutex
	data    bytes.Buffer
	eof     bool
	entered chan struct{} // receives once per Write that started
}

func newStuckChannel() *stuckChannel {
	return &stuckChannel{release: make(chan struct{}), entered: make(chan struct{}, 1024)}
}

func (s *stuckChannel) Write(p []byte) (int, error) {
	s.entered <- struct{}{}
	<-s.release
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Write(p)
}

func (s *stuckChannel) CloseWrite() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eof = true
	return nil
}

func (s *stuckChannel) sent() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.String(), s.eof
}

func waitDone(t *testing.T, p *stdinPump) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("pump did not finish")
	}
}

// TestPumpSeesEscapeWhileChannelBlocked is the frozen-server case: the
// channel accepts nothing, yet the filter keeps seeing input, so "~."
// typed after a paste still ends the session.
func TestPumpSeesEscapeWhileChannelBlocked(t *testing.T) {
	ch := newStuckChannel()
	stop := errors.New("disconnect")
	r, w := io.Pipe()
	defer w.Close()
	p := startStdinPump(r, ch, func(b []byte) ([]byte, error) {
		if bytes.Contains(b, []byte("~.")) {
			return nil, stop
		}
		return b, nil
	}, nil, nil)
	paste := bytes.Repeat([]byte("x"), 3*stdinChunk)
	if _, err := w.Write(paste); err != nil {
		t.Fatal(err)
	}
	<-ch.entered // the writer is now stuck on the first chunk
	go w.Write([]byte("\r~."))
	select {
	case err := <-p.failed:
		if err != stop {
			t.Fatalf("failed with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("escape not seen while the channel was blocked")
	}
	close(ch.release)
	waitDone(t, p)
	if got, eof := ch.sent(); got != string(paste) || eof {
		t.Fatalf("sent %d bytes, eof %v; want the paste and no EOF", len(got), eof)
	}
}

// TestPumpPipedBackPressure: without a filter the pump stops reading when
// the queue is full, loses nothing and keeps the order, and sends EOF
// after the last byte.
func TestPumpPipedBackPressure(t *testing.T) {
	ch := newStuckChannel()
	input := make([]byte, 3*pipedInputLimit)
	for i := range input {
		input[i] = byte(i * 7)
	}
	r, w := io.Pipe()
	p := startStdinPump(r, ch, nil, nil, nil)
	wrote := make(chan int, 1)
	go func() {
		n, _ := w.Write(input)
		w.Close()
		wrote <- n
	}()
	<-ch.entered
	select {
	case n := <-wrote:
		t.Fatalf("the pump read all %d bytes while the channel was blocked", n)
	case <-time.After(50 * time.Millisecond):
		// The writer is still blocked: the pump stopped reading. A
		// missing signal can only be shown by its absence.
	}
	close(ch.release)
	waitDone(t, p)
	got, eof := ch.sent()
	if got != string(input) || !eof {
		t.Fatalf("sent %d bytes (identical: %v), eof %v", len(got), got == string(input), eof)
	}
}

// TestInputQueueFullWaitsAndLosesNothing: beyond its limit the queue
// makes the reader wait instead of dropping input (gssh never loses
// data, escapes or not).
func TestInputQueueFullWaitsAndLosesNothing(t *testing.T) {
	q := newInputQueue(10)
	if !q.put([]byte("0123456")) || !q.put([]byte("789abc")) {
		t.Fatal("queue refused input below its limit")
	}
	third := make(chan bool, 1)
	go func() { third <- q.put([]byte("XYZ")) }()
	select {
	case <-third:
		t.Fatal("put returned while the queue was over its limit")
	case <-time.After(50 * time.Millisecond):
		// Still waiting: shown only by the absence of a return.
	}
	ch := newFakeChannel()
	go func() {
		<-third
		q.finish(true)
	}()
	q.run(ch, nil)
	if ch.data.String() != "0123456789abcXYZ" || !ch.eof {
		t.Fatalf("wrote %q, eof %v", ch.data.String(), ch.eof)
	}
}

// failingChannel refuses every write.
type failingChannel struct{}

func (failingChannel) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
func (failingChannel) CloseWrite() error         { return nil }

func TestInputQueueGoneAfterWriteError(t *testing.T) {
	q := newInputQueue(pipedInputLimit)
	q.put([]byte("a"))
	q.run(failingChannel{}, nil)
	if q.put([]byte("b")) {
		t.Fatal("queue accepted input after the channel failed")
	}
}

// recordingChannel keeps a copy of what was written and the address of
// each buffer it was handed.
type recordingChannel struct {
	data  bytes.Buffer
	addrs []*byte
}

func (r *recordingChannel) Write(p []byte) (int, error) {
	r.addrs = append(r.addrs, &p[0])
	return r.data.Write(p)
}

func (r *recordingChannel) CloseWrite() error { return nil }

// TestInputQueueReusesBulkChunks checks that a written full-size chunk is
// the buffer of the next one, and that reuse never mixes up the bytes.
func TestInputQueueReusesBulkChunks(t *testing.T) {
	q := newInputQueue(pipedInputLimit)
	ch := &recordingChannel{}
	var want bytes.Buffer
	for i := range 3 {
		p := bytes.Repeat([]byte{byte('a' + i)}, stdinChunk)
		want.Write(p)
		q.put(p)
		q.finish(false)
		q.run(ch, nil)
		q.closing = false // reopen: run returned once drained
	}
	if ch.data.String() != want.String() {
		t.Fatal("bytes written differ from bytes put")
	}
	if len(ch.addrs) != 3 || ch.addrs[0] != ch.addrs[1] || ch.addrs[1] != ch.addrs[2] {
		t.Errorf("chunk buffers were not reused: %v", ch.addrs)
	}
	if n := testing.AllocsPerRun(100, func() {
		q.put(want.Bytes()[:stdinChunk])
		q.finish(false)
		q.run(ch, nil)
		q.closing = false
	}); n > 1 {
		t.Errorf("%.1f allocations per 32 KiB chunk, want at most 1 (the queue's slice)", n)
	}
}
