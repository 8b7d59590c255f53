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
