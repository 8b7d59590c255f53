package keepalive

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// scriptedConn is a net.Conn whose reads return a fixed script of results.
type scriptedConn struct {
	net.Conn // nil: methods not overridden here are not used
	reads    []readResult
}

type readResult struct {
	n   int
	err error
}

func (c *scriptedConn) Read(p []byte) (int, error) {
	r := c.reads[0]
	c.reads = c.reads[1:]
	return r.n, r.err
}

func (c *scriptedConn) Write(p []byte) (int, error) { return len(p), nil }

// TestWrapConnTouchesOnDataOnly: only a Read that returned bytes re-arms
// the watchdog, including the final bytes that come with io.EOF; empty
// reads, errors and writes do not.
func TestWrapConnTouchesOnDataOnly(t *testing.T) {
	clock := newFakeClock()
	w, err := New(Config{Interval: time.Second, CountMax: 3, Clock: clock}, ProbeFunc(func(context.Context) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	created := clock.Now()
	errTimeout := errors.New("i/o timeout")
	tests := []struct {
		r       readResult
		touched bool
	}{
		{readResult{5, nil}, true},
		{readResult{0, nil}, false},
		{readResult{0, errTimeout}, false},
		{readResult{3, io.EOF}, true},
		{readResult{0, io.EOF}, false},
	}
	script := &scriptedConn{}
	for _, tt := range tests {
		script.reads = append(script.reads, tt.r)
	}
	c := WrapConn(script, w)
	buf := make([]byte, 16)
	lastTouch := created
	for i, tt := range tests {
		clock.Advance(t, time.Second)
		if _, err := c.Write([]byte("typing into a dead link")); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if n != tt.r.n || err != tt.r.err {
			t.Fatalf("read %d: got (%d, %v), want (%d, %v)", i, n, err, tt.r.n, tt.r.err)
		}
		if tt.touched {
			lastTouch = clock.Now()
		}
		if got := w.State().LastRead; !got.Equal(lastTouch) {
			t.Errorf("read %d %+v: LastRead = created+%v, want created+%v", i, tt.r, got.Sub(created), lastTouch.Sub(created))
		}
	}
}

// TestLoopbackSilentPeer runs the real clock, WrapConn and a Watchdog
// over loopback TCP against a peer that echoes probes for a while and then
// goes silent without closing the connection, like a server behind a
// dropped route. Interval 100ms, CountMax 2: death is due 300ms after the
// last byte received; the upper bound is generous for loaded CI machines.
func TestLoopbackSilentPeer(t *testing.T) {
	const interval, countMax = 100 * time.Millisecond, 2
	base := runtime.NumGoroutine()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var silent atomic.Bool
	peerDone := make(chan struct{})
	go func() {
		defer close(peerDone)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if !silent.Load() {
				c.Write(buf[:n])
			}
		}
	}()

	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	replies := make(chan struct{}, 1)
	var answered atomic.Int64
	var conn net.Conn
	w, err := New(Config{Interval: interval, CountMax: countMax}, ProbeFunc(func(ctx context.Context) error {
		if _, err := conn.Write([]byte{'p'}); err != nil {
			return err
		}
		select {
		case <-replies:
			answered.Add(1)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	conn = WrapConn(raw, w)

	var lastByte atomic.Int64 // UnixNano of the last byte the reader saw
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 64)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				lastByte.Store(time.Now().UnixNano())
				select {
				case replies <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- w.Run(ctx) }()

	// Alive phase: five answered probes take at least 5 intervals, well
	// past the 3 intervals a silent peer would survive.
	waitCond(t, "five answered probes", func() bool { return answered.Load() >= 5 })
	select {
	case <-w.Dead():
		t.Fatal("an answering peer was declared dead")
	default:
	}

	silent.Store(true)
	select {
	case <-w.Dead():
	case <-time.After(10 * time.Second):
		t.Fatal("silent peer not detected within 10s")
	}
	detected := time.Since(time.Unix(0, lastByte.Load()))
	want := time.Duration(countMax+1) * interval
	// The reader stamps lastByte just after Touch, so allow a hair below.
	if detected < want-10*time.Millisecond || detected > want+2*time.Second {
		t.Errorf("detected %v after the last byte, want about %v", detected, want)
	}
	var de *DeadError
	if err := <-runDone; !errors.As(err, &de) {
		t.Errorf("Run returned %v, want *DeadError", err)
	}

	// What cmd/gssh does on death: close the connection, which ends the
	// reader and any probe still waiting.
	cancel()
	conn.Close()
	ln.Close()
	<-readerDone
	<-peerDone
	waitCond(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}
