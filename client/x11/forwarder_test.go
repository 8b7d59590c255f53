//go:build unix

package x11

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// lockedBuffer is a log sink the forwarder's goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// sshPair connects an x/crypto client to an in-process server over
// loopback TCP and returns both ends.
func sshPair(t *testing.T) (*ssh.Client, ssh.Conn) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	scfg := &ssh.ServerConfig{NoClientAuth: true}
	scfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	type served struct {
		conn ssh.Conn
		err  error
	}
	srv := make(chan served, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			srv <- served{err: err}
			return
		}
		sc, chans, reqs, err := ssh.NewServerConn(c, scfg)
		if err == nil {
			go ssh.DiscardRequests(reqs)
			go func() {
				for nc := range chans {
					nc.Reject(ssh.UnknownChannelType, "no")
				}
			}()
		}
		srv <- served{sc, err}
	}()
	c, err := ssh.Dial("tcp", l.Addr().String(), &ssh.ClientConfig{User: "u", HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := <-srv
	if s.err != nil {
		t.Fatal(s.err)
	}
	return c, s.conn
}

// fakeDisplay listens on a Unix socket standing in for an X server: for
// each connection it sends what it read up to the setup's end on got,
// then answers "welcome" and echoes.
func fakeDisplay(t *testing.T, setupLen int) (path string, got <-chan []byte) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "X0")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan []byte, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, setupLen)
				n, _ := io.ReadFull(c, buf)
				ch <- buf[:n]
				if n < setupLen {
					return
				}
				c.Write([]byte("welcome"))
				io.Copy(c, c)
			}()
		}
	}()
	return path, ch
}

type x11Req struct {
	Single        bool
	Proto, Cookie string
	Screen        uint32
}

// openX11 opens an "x11" channel from the server side as sshd does.
func openX11(srv ssh.Conn) (ssh.Channel, error) {
	ch, reqs, err := srv.OpenChannel(ChannelType, ssh.Marshal(struct {
		Addr string
		Port uint32
	}{"127.0.0.1", 4242}))
	if err == nil {
		go ssh.DiscardRequests(reqs)
	}
	return ch, err
}

// TestForwarderRelaysWithTheRealCookie runs the whole of it against an
// in-process server: the x11-req carries a fake cookie, the server's
// channel presenting it reaches the display with the real one, a channel
// presenting anything else is closed before a byte reaches the display,
// a second session shares the cookies, another DISPLAY is refused, and
// channels opened after the timeout are refused.
func TestForwarderRelaysWithTheRealCookie(t *testing.T) {
	client, srv := sshPair(t)
	xauth, _ := fakeXAuth(t, "") // lists 00112233445566778899aabbccddeeff
	real, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	setupLen := len(setup('l', Proto, real))
	display, got := fakeDisplay(t, setupLen)
	var logs lockedBuffer
	log := sshlog.New(&logs, config.LogDebug1)
	var f Forwarder
	opts := Options{ProtoOptions: ProtoOptions{Display: display, XAuth: xauth, Trusted: true}, DisplaySet: true}

	payload, ok := f.Request(context.Background(), client, opts, log)
	if !ok {
		t.Fatalf("no request; log:\n%s", logs.String())
	}
	var req x11Req
	if err := ssh.Unmarshal(payload, &req); err != nil {
		t.Fatal(err)
	}
	fake, err := hex.DecodeString(req.Cookie)
	if err != nil || req.Single || req.Proto != Proto || len(fake) != len(real) || bytes.Equal(fake, real) || req.Screen != 0 {
		t.Fatalf("x11-req %+v", req)
	}

	ch, err := openX11(srv)
	if err != nil {
		t.Fatal(err)
	}
	ch.Write(setup('l', Proto, fake))
	if b := <-got; !bytes.Equal(b, setup('l', Proto, real)) {
		t.Fatalf("display got %x", b)
	}
	if f.Idle() == nil || isClosed(f.Idle()) {
		t.Error("Idle while a connection is relayed")
	}
	reply := make([]byte, len("welcome")+4)
	ch.Write([]byte("ping"))
	if _, err := io.ReadFull(ch, reply); err != nil || string(reply) != "welcomeping" {
		t.Fatalf("reply %q, %v", reply, err)
	}
	ch.CloseWrite()
	if _, err := ch.Read(reply); err != io.EOF {
		t.Errorf("after our EOF: %v, want EOF", err)
	}
	ch.Close()
	select {
	case <-f.Idle():
	case <-time.After(10 * time.Second):
		t.Error("Idle not closed after the connection ended")
	}

	// The real cookie (or any other) is refused.
	ch, err = openX11(srv)
	if err != nil {
		t.Fatal(err)
	}
	ch.Write(setup('B', Proto, real))
	if n, err := ch.Read(reply); err != io.EOF {
		t.Errorf("wrong cookie: read %d, %v; want EOF", n, err)
	}
	if b := <-got; len(b) != 0 {
		t.Errorf("display got %x from a rejected connection", b)
	}
	if want := "X11 connection rejected because of wrong authentication.\r\n"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs.String())
	}

	// A second session shares the cookies; another DISPLAY is refused.
	payload2, ok := f.Request(context.Background(), client, opts, log)
	var req2 x11Req
	if !ok || ssh.Unmarshal(payload2, &req2) != nil || req2.Cookie != req.Cookie {
		t.Errorf("second session: %v, %+v", ok, req2)
	}
	other := opts
	other.Display = ":9"
	if _, ok := f.Request(context.Background(), client, other, log); ok {
		t.Error("a different DISPLAY was forwarded")
	}
	if want := "x11_request_forwarding_with_spoofing: different $DISPLAY already forwarded\r\n"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q", want)
	}

	// Past ForwardX11Timeout, opens are refused as ssh refuses them.
	f.mu.Lock()
	f.refuseAt = time.Now().Add(-time.Second)
	f.mu.Unlock()
	_, err = openX11(srv)
	var open *ssh.OpenChannelError
	if !errors.As(err, &open) || open.Reason != ssh.Prohibited || open.Message != "open failed" {
		t.Errorf("late open: %v", err)
	}
	if want := "Rejected X11 connection after ForwardX11Timeout expired\r\n"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q", want)
	}
}

// TestRequestRefusals: DISPLAY unset or unsafe sends nothing, with ssh's
// messages at ssh's levels.
func TestRequestRefusals(t *testing.T) {
	for _, tc := range []struct {
		opts  Options
		level config.LogLevel
		log   string
	}{
		{Options{}, config.LogDebug1, "debug1: X11 forwarding requested but DISPLAY not set\r\n"},
		{Options{}, config.LogInfo, ""},
		{Options{ProtoOptions: ProtoOptions{Display: ":0;id"}, DisplaySet: true}, config.LogInfo,
			"DISPLAY \":0;id\" invalid; disabling X11 forwarding\r\n"},
		{Options{ProtoOptions: ProtoOptions{Display: ":0\x1b[2J"}, DisplaySet: true}, config.LogDebug1,
			"debug1: Invalid character '\\033' in DISPLAY\r\nDISPLAY \":0\\033[2J\" invalid; disabling X11 forwarding\r\n"},
	} {
		var out strings.Builder
		var f Forwarder
		if _, ok := f.Request(context.Background(), nil, tc.opts, sshlog.New(&out, tc.level)); ok {
			t.Errorf("%+v: requested", tc.opts)
		}
		if out.String() != tc.log {
			t.Errorf("%+v at %v: log %q, want %q", tc.opts, tc.level, out.String(), tc.log)
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
