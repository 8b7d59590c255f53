package faults

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echoServer answers every byte with the same byte until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func dialProxy(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends msg and reads it back, failing after limit.
func roundTrip(c net.Conn, msg string, limit time.Duration) error {
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(limit))
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != msg {
		return errors.New("echo mismatch: " + string(buf))
	}
	return nil
}

func TestProxyPasses(t *testing.T) {
	p := NewProxy(t, echoServer(t))
	c := dialProxy(t, p)
	if err := roundTrip(c, "hello", 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestProxyDelays(t *testing.T) {
	p := NewProxy(t, echoServer(t))
	c := dialProxy(t, p)
	p.Delay(100 * time.Millisecond)
	start := time.Now()
	if err := roundTrip(c, "x", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// Each direction adds the delay once.
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("round trip took %v with 100ms each way", took)
	}
}

// TestProxyBlackholesWithoutClosing: nothing gets through while
// blackholed, the connection stays open, and held bytes arrive on Pass.
func TestProxyBlackholesWithoutClosing(t *testing.T) {
	p := NewProxy(t, echoServer(t))
	c := dialProxy(t, p)
	if err := roundTrip(c, "before", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Blackhole()
	err := roundTrip(c, "during", 300*time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read through a blackhole: %v, want a timeout (no data, no close)", err)
	}
	p.Pass()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, len("during"))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "during" {
		t.Fatalf("after Pass: %q %v", buf, err)
	}
}

func TestProxyCloseEndsConnections(t *testing.T) {
	p := NewProxy(t, echoServer(t))
	c := dialProxy(t, p)
	p.Blackhole()
	p.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); errors.Is(err, os.ErrDeadlineExceeded) || err == nil {
		t.Fatalf("read after Close: %v, want EOF or reset", err)
	}
}

func TestNoBannerSendsNothing(t *testing.T) {
	c, err := net.Dial("tcp", NoBanner(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("SSH-2.0-test\r\n"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %d bytes, err %v; want a timeout", n, err)
	}
}

func TestBannerThenSilent(t *testing.T) {
	c, err := net.Dial("tcp", BannerThenSilent(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != FakeBanner {
		t.Fatalf("banner %q, %v", line, err)
	}
	c.Write([]byte("SSH-2.0-test\r\n"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := r.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the banner: %v, want a timeout", err)
	}
}
