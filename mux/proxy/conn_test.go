package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// pair connects two Conns over a pipe.
func pair(t *testing.T) (a, b *Conn) {
	t.Helper()
	x, y := net.Pipe()
	a, b = NewConn(x, testOptions), NewConn(y, testOptions)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestChannelSessionExchange: a session the RFC 4254 way — open, exec
// with a reply, more data than one window each way, stderr, exit-status
// before EOF and CLOSE — and the channel's requests channel closing.
func TestChannelSessionExchange(t *testing.T) {
	a, b := pair(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/16)
	served := make(chan error, 1)
	go func() {
		served <- func() error {
			nc := <-b.Incoming()
			if nc.ChannelType() != "session" {
				return errors.New("type " + nc.ChannelType())
			}
			ch, reqs, err := nc.Accept()
			if err != nil {
				return err
			}
			req := <-reqs
			if req.Type != "exec" || string(req.Payload) != "\x00\x00\x00\x04true" {
				return errors.New("request " + req.Type)
			}
			req.Reply(true, nil)
			got, err := io.ReadAll(ch)
			if err != nil || !bytes.Equal(got, big) {
				return errors.New("upload corrupted")
			}
			if _, err := ch.Write(big); err != nil {
				return err
			}
			ch.Stderr().Write([]byte("err"))
			ch.SendRequest("exit-status", false, []byte{0, 0, 0, 5})
			ch.CloseWrite()
			ch.Close()
			for range reqs {
			}
			return nil
		}()
	}()
	ch, reqs, err := a.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := ch.SendRequest("exec", true, []byte("\x00\x00\x00\x04true"))
	if !ok || err != nil {
		t.Fatalf("exec: %v %v", ok, err)
	}
	go func() { ch.Write(big); ch.CloseWrite() }()
	var out, errOut []byte
	done := make(chan struct{})
	go func() { out, _ = io.ReadAll(ch); errOut, _ = io.ReadAll(ch.Stderr()); close(done) }()
	var status []byte
	for req := range reqs {
		if req.Type == "exit-status" {
			status = req.Payload
		}
	}
	<-done
	ch.Close()
	if !bytes.Equal(out, big) || string(errOut) != "err" || !bytes.Equal(status, []byte{0, 0, 0, 5}) {
		t.Fatalf("got %d bytes, stderr %q, status %x", len(out), errOut, status)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

func TestGlobalRequestsAndRefusals(t *testing.T) {
	a, b := pair(t)
	go func() {
		for r := range b.Requests() {
			r.Reply(r.Type == "yes", []byte("port"))
		}
	}()
	go func() {
		for nc := range b.Incoming() {
			nc.Reject(1, "no "+nc.ChannelType())
		}
	}()
	ok, data, err := a.SendRequest("yes", true, nil)
	if !ok || string(data) != "port" || err != nil {
		t.Fatalf("yes: %v %q %v", ok, data, err)
	}
	if ok, _, err := a.SendRequest("no", true, nil); ok || err != nil {
		t.Fatalf("no: %v %v", ok, err)
	}
	_, _, err = a.OpenChannel("x11", nil)
	var refused *OpenChannelError
	if !errors.As(err, &refused) || refused.Reason != 1 || refused.Message != "no x11" {
		t.Fatalf("open: %v", err)
	}
}

// TestConnLossEndsChannels: when the stream dies, reads end, requests
// channels close and blocked writers return.
func TestConnLossEndsChannels(t *testing.T) {
	a, b := pair(t)
	go func() {
		nc := <-b.Incoming()
		nc.Accept()
	}()
	ch, reqs, err := a.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	select {
	case _, open := <-reqs:
		if open {
			t.Fatal("request after loss")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("requests channel not closed")
	}
	if _, err := io.ReadAll(ch); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Write([]byte("x")); err == nil {
		t.Fatal("write after loss succeeded")
	}
	if err := a.Wait(); err == nil {
		t.Fatal("Wait: nil")
	}
}

// TestUnknownChannelEndsConn: a packet for a channel this side never
// opened (another proxy client's, or none) ends the connection; no
// channel of another Conn is reachable through it.
func TestUnknownChannelEndsConn(t *testing.T) {
	x, y := net.Pipe()
	c := NewConn(x, testOptions)
	defer c.Close()
	_, p := encode(&channelData{Recipient: 5, Data: []byte("x")})
	go y.Write(AppendPacket(nil, msgChannelData, p))
	if err := c.Wait(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Wait: %v, want ErrMalformed", err)
	}
	y.Close()
}

// testOptions start the reader with a plain go statement: a test has no
// terminal to restore.
var testOptions = Options{Go: func(f func()) { go f() }}
