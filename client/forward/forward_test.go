//go:build unix

package forward_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/internal/sshdtest"
)

// holdingGreeter starts a loopback server that writes "hello\n" to each
// connection and keeps it open until the client leaves.
func holdingGreeter(t *testing.T) *net.TCPAddr {
	t.Helper()
	src, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	go func() {
		for {
			c, err := src.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "hello")
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return src.Addr().(*net.TCPAddr)
}

// forwardOn connects to s with one -L (dynamic false) or -D on a free
// port and starts it with opts; it returns the port.
func forwardOn(t *testing.T, s *sshdtest.Server, to *net.TCPAddr, dynamic bool, opts forward.Options) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := testConfig()
	if dynamic {
		cfg.DynamicForwards = []config.Forward{parse(t, config.ForwardDynamic, strconv.Itoa(port))}
	} else {
		cfg.LocalForwards = []config.Forward{parse(t, config.ForwardLocal, fmt.Sprintf("%d:127.0.0.1:%d", port, to.Port))}
	}
	fwd, err := forward.Start(context.Background(), dialSSH(t, s), cfg, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fwd.Close() })
	return port
}

// greet reads the greeter's line from r within limit.
func greet(c net.Conn, r *bufio.Reader, within time.Duration) error {
	c.SetReadDeadline(time.Now().Add(within))
	line, err := r.ReadString('\n')
	if err == nil && line != "hello\n" {
		return fmt.Errorf("got %q", line)
	}
	return err
}

// socks5Connect sends a SOCKS5 greeting and CONNECT to addr on c and
// returns the reply code.
func socks5Connect(c net.Conn, r *bufio.Reader, to *net.TCPAddr) (byte, error) {
	req := append([]byte{5, 1, 0, 5, 1, 0, 1}, to.IP.To4()...)
	req = binary.BigEndian.AppendUint16(req, uint16(to.Port))
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply := make([]byte, 12)
	if _, err := io.ReadFull(r, reply); err != nil {
		return 0, err
	}
	return reply[3], nil
}

// negotiationTimeout is the SOCKS negotiation deadline the deadline tests
// set, and negotiationSlack what they allow past it: the close needs at
// most a hop through sshd (for a remote forward), well under 0.1 s here,
// so 1 s is margin for a loaded two-core machine. The 5 s these tests
// once allowed would pass a deadline many times too long.
const (
	negotiationTimeout = 300 * time.Millisecond
	negotiationSlack   = time.Second
)

func dialLocal(t *testing.T, port int) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// TestForwardChannelCap: past MaxChannels, a local connection is refused
// at once (closed for -L, a SOCKS failure reply for -D) instead of
// waiting, and once a forwarded connection ends the next is served.
func TestForwardChannelCap(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	to := holdingGreeter(t)
	opts := forward.Options{MaxChannels: 2}

	t.Run("-L", func(t *testing.T) {
		port := forwardOn(t, s, to, false, opts)
		var held []net.Conn
		for i := 0; i < 2; i++ {
			c, r := dialLocal(t, port)
			if err := greet(c, r, 10*time.Second); err != nil {
				t.Fatalf("within the cap: %v", err)
			}
			held = append(held, c)
		}
		c, r := dialLocal(t, port)
		if err := greet(c, r, 10*time.Second); err != io.EOF {
			t.Fatalf("past the cap: %v, want EOF at once", err)
		}
		held[0].Close()
		// The slot frees when gssh sees the close; a client may find
		// the table still full for a moment and is refused, not held.
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, r := dialLocal(t, port)
			err := greet(c, r, 10*time.Second)
			if err == nil {
				break
			}
			if err != io.EOF || time.Now().After(deadline) {
				t.Fatalf("after a slot was freed: %v", err)
			}
		}
	})

	t.Run("-D", func(t *testing.T) {
		port := forwardOn(t, s, to, true, opts)
		for i := 0; i < 2; i++ {
			c, r := dialLocal(t, port)
			if code, err := socks5Connect(c, r, to); err != nil || code != 0 {
				t.Fatalf("within the cap: reply %d, %v", code, err)
			}
		}
		c, r := dialLocal(t, port)
		if code, err := socks5Connect(c, r, to); err != nil || code != 1 {
			t.Fatalf("past the cap: reply %d, %v; want 1 (general failure)", code, err)
		}
	})
}

// TestSocksHandshakeDeadline: a -D client that connects and says
// nothing is closed after NegotiationTimeout, and while it waits it
// holds no channel slot: with MaxChannels 1 a real client is served.
func TestSocksHandshakeDeadline(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	to := holdingGreeter(t)
	port := forwardOn(t, s, to, true, forward.Options{MaxChannels: 1, NegotiationTimeout: negotiationTimeout})

	start := time.Now()
	idle, idleR := dialLocal(t, port)
	real, realR := dialLocal(t, port)
	if code, err := socks5Connect(real, realR, to); err != nil || code != 0 {
		t.Fatalf("real client beside an idle one: reply %d, %v", code, err)
	}
	if err := greet(real, realR, 10*time.Second); err != nil {
		t.Fatalf("real client: %v", err)
	}
	idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := idleR.ReadByte(); err != io.EOF {
		t.Fatalf("idle client: %v, want EOF", err)
	}
	if waited := time.Since(start); waited < negotiationTimeout || waited > negotiationTimeout+negotiationSlack {
		t.Errorf("idle client closed %v after connecting, want %v (tolerance %v)", waited, negotiationTimeout, negotiationSlack)
	}
}

// TestSocksHandshakeEviction: with MaxNegotiating 2, a third silent
// client closes the one that has waited longest, and a real client that
// comes after them is still served.
func TestSocksHandshakeEviction(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	to := holdingGreeter(t)
	port := forwardOn(t, s, to, true, forward.Options{MaxNegotiating: 2})

	first, firstR := dialLocal(t, port)
	// The method reply proves that first's handshake is in the table
	// before the others arrive; without a request it stays unfinished.
	if _, err := first.Write([]byte{5, 1, 0}); err != nil {
		t.Fatal(err)
	}
	first.SetReadDeadline(time.Now().Add(10 * time.Second))
	if method, err := firstR.Peek(2); err != nil || method[1] != 0 {
		t.Fatalf("method reply %v, %v", method, err)
	}
	firstR.Discard(2)
	dialLocal(t, port)
	dialLocal(t, port)
	first.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := firstR.ReadByte(); err != io.EOF {
		t.Fatalf("oldest handshake: %v, want EOF", err)
	}
	real, realR := dialLocal(t, port)
	if code, err := socks5Connect(real, realR, to); err != nil || code != 0 {
		t.Fatalf("real client: reply %d, %v", code, err)
	}
	if err := greet(real, realR, 10*time.Second); err != nil {
		t.Fatalf("real client: %v", err)
	}
}

// TestRemoteSocksHandshakeDeadline: a peer of a remote dynamic
// forwarding (-R with a port only) that connects on the server and says
// nothing is cut off after NegotiationTimeout, as a local -D client is;
// a real request through the same port is still served.
func TestRemoteSocksHandshakeDeadline(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	to := holdingGreeter(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := testConfig()
	cfg.RemoteForwards = []config.Forward{parse(t, config.ForwardRemote, strconv.Itoa(port))}
	fwd, err := forward.Start(context.Background(), dialSSH(t, s), cfg, nil, forward.Options{NegotiationTimeout: negotiationTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fwd.Close() })

	// sshd listens on this machine: its peers are local connections.
	start := time.Now()
	idle, idleR := dialLocal(t, port)
	idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := idleR.ReadByte(); err != io.EOF {
		t.Fatalf("silent peer: %v, want EOF", err)
	}
	if waited := time.Since(start); waited < negotiationTimeout || waited > negotiationTimeout+negotiationSlack {
		t.Errorf("silent peer cut off %v after connecting, want %v (tolerance %v)", waited, negotiationTimeout, negotiationSlack)
	}
	real, realR := dialLocal(t, port)
	if code, err := socks5Connect(real, realR, to); err != nil || code != 0 {
		t.Fatalf("real client: reply %d, %v", code, err)
	}
	if err := greet(real, realR, 10*time.Second); err != nil {
		t.Fatalf("real client: %v", err)
	}
}

// TestLocalForwardSocketPathWithBlank: a -L whose listen side is a Unix
// socket path with a blank in it carries a connection (the forwarding
// used to be passed around as "LISTEN CONNECT" text, which split it).
func TestLocalForwardSocketPathWithBlank(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	to := holdingGreeter(t)
	path := filepath.Join(t.TempDir(), "my sock")
	cfg := testConfig()
	cfg.LocalForwards = []config.Forward{parse(t, config.ForwardLocal, fmt.Sprintf("%s:127.0.0.1:%d", path, to.Port))}
	fwd, err := forward.Start(context.Background(), dialSSH(t, s), cfg, nil, forward.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fwd.Close() })
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := greet(c, bufio.NewReader(c), 10*time.Second); err != nil {
		t.Fatalf("through %q: %v", path, err)
	}
}
