package x11

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// ChannelType is the channel the server opens for each X11 connection.
const ChannelType = "x11"

// RequestType is the session request that asks for X11 forwarding.
const RequestType = "x11-req"

// dialBound caps the connection to the local display of one channel.
const dialBound = 20 * time.Second

// Forwarder is the X11 forwarding of one SSH connection: the DISPLAY and
// cookies of its first x11-req, which every later session on the
// connection (a ControlMaster's passengers) shares as in ssh, the
// ForwardX11Timeout deadline, and the handler of the server's "x11"
// channels. The zero value is ready; a Forwarder must not be copied.
type Forwarder struct {
	mu       sync.Mutex
	display  string // DISPLAY of the first request
	spoof    *Spoof // nil until the first request
	refuseAt time.Time
	serving  bool
	log      *sshlog.Logger
	open     int           // x11 channels being relayed
	idle     chan struct{} // closed when open drops to 0; nil while 0
}

// Options are one session's X11 settings.
type Options struct {
	ProtoOptions
	// DisplaySet is false when DISPLAY is not in the environment.
	DisplaySet bool
}

// Request decides X11 forwarding for one session as ssh_session2_setup
// (and mux_session_confirm for a master's passenger) does, logging ssh's
// messages, and returns the x11-req payload to send on the session
// channel with want-reply; ok is false when nothing is to be requested.
// The first request on a connection starts serving the server's "x11"
// channels on c.
func (f *Forwarder) Request(ctx context.Context, c *ssh.Client, o Options, log *sshlog.Logger) (payload []byte, ok bool) {
	if !o.DisplaySet {
		log.Logf(config.LogDebug1, "X11 forwarding requested but DISPLAY not set")
		return nil, false
	}
	if bad, valid := CheckDisplay(o.Display); !valid {
		log.Logf(config.LogDebug1, "Invalid character '%c' in DISPLAY", bad)
		log.Logf(config.LogInfo, "DISPLAY \"%s\" invalid; disabling X11 forwarding", o.Display)
		return nil, false
	}
	ck, ok := getProto(ctx, o.ProtoOptions, func() { f.startTimeout(o.Timeout) }, log)
	if !ok {
		return nil, false
	}
	log.Logf(config.LogDebug1, "Requesting X11 forwarding with authentication spoofing.")

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.spoof != nil && o.Display != f.display {
		log.Logf(config.LogError, "x11_request_forwarding_with_spoofing: different $DISPLAY already forwarded")
		return nil, false
	}
	if f.spoof == nil {
		real, valid := decodeHex(ck.data)
		if !valid {
			log.Logf(config.LogError, "x11_request_forwarding: bad authentication data: %.100s", ck.data)
			return nil, false
		}
		f.display = o.Display
		f.spoof = &Spoof{Proto: ck.proto, Real: real, Fake: random(len(real))}
	}
	if !f.serving {
		f.serving = true
		f.log = log
		if opens := c.HandleChannelOpen(ChannelType); opens != nil {
			crash.Go(func() { f.serve(opens) })
		}
	}
	return ssh.Marshal(struct {
		SingleConnection bool
		Proto, Cookie    string
		Screen           uint32
	}{false, ck.proto, hex.EncodeToString(f.spoof.Fake), ScreenNumber(o.Display)}), true
}

// startTimeout sets the time after which X11 channels are refused, once
// per connection: ssh counts whole seconds from the next one.
func (f *Forwarder) startTimeout(timeout time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuseAt.IsZero() {
		f.refuseAt = time.Now().Add(time.Second + timeout)
	}
}

// refused reports whether ForwardX11Timeout has passed.
func (f *Forwarder) refused() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.refuseAt.IsZero() && !time.Now().Before(f.refuseAt)
}

// serve answers the server's "x11" channel opens until the connection
// ends.
func (f *Forwarder) serve(opens <-chan ssh.NewChannel) {
	for nc := range opens {
		crash.Go(func() { f.handle(nc) })
	}
}

// handle is client_request_x11 and the channel's life: refuse it after
// the timeout, connect to the display, check and replace the cookie,
// relay.
func (f *Forwarder) handle(nc ssh.NewChannel) {
	log := f.log
	if f.refused() {
		log.Logf(config.LogVerbose, "Rejected X11 connection after ForwardX11Timeout expired")
		nc.Reject(ssh.Prohibited, "open failed")
		return
	}
	var origin struct {
		Addr string
		Port uint32
	}
	if err := ssh.Unmarshal(nc.ExtraData(), &origin); err != nil {
		log.Logf(config.LogError, "client_request_x11: parse packet: %v", err)
		nc.Reject(ssh.ConnectionFailed, "open failed")
		return
	}
	log.Logf(config.LogDebug1, "client_request_x11: request from %s %d", origin.Addr, origin.Port)
	f.mu.Lock()
	display, spoof := f.display, f.spoof
	f.mu.Unlock()
	target, err := ParseDisplay(display, fileExists)
	var conn net.Conn
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), dialBound)
		conn, err = target.Dial(ctx)
		cancel()
	}
	if err != nil {
		log.Logf(config.LogError, "%s", err.Error())
		nc.Reject(ssh.Prohibited, "open failed")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		conn.Close()
		return
	}
	crash.Go(func() { ssh.DiscardRequests(reqs) })
	f.track(1)
	defer f.track(-1)
	defer ch.Close()
	defer conn.Close()

	first, err := f.firstMessage(ch, spoof)
	if err != nil {
		var auth *AuthError
		if errors.As(err, &auth) {
			log.Logf(config.LogDebug2, "%s", auth.Reason)
			log.Logf(config.LogInfo, "X11 connection rejected because of wrong authentication.")
		} else {
			log.Logf(config.LogDebug2, "x11: first message: %v", err)
		}
		return
	}
	if _, err := conn.Write(first); err != nil {
		return
	}
	relay(ch, conn)
}

// errRefused ends a channel whose first message came after the timeout.
var errRefused = &AuthError{"Rejected X11 connection after ForwardX11Timeout expired"}

// firstMessage reads from ch until the connection setup is complete and
// returns everything read, the real cookie in place of the fake one.
func (f *Forwarder) firstMessage(ch io.Reader, spoof *Spoof) ([]byte, error) {
	buf := make([]byte, 0, 512)
	chunk := make([]byte, 16<<10)
	for {
		if f.refused() {
			f.log.Logf(config.LogVerbose, "%s", errRefused.Reason)
			return nil, errRefused
		}
		n, err := spoof.Rewrite(buf)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return buf, nil
		}
		m, rerr := ch.Read(chunk)
		buf = append(buf, chunk[:m]...)
		if rerr != nil && m == 0 {
			return nil, rerr
		}
	}
}

// relay copies both ways until both directions have ended, passing each
// end of file on as a half close.
func relay(ch ssh.Channel, conn net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	crash.Go(func() {
		defer wg.Done()
		io.Copy(conn, ch)
		if cw, ok := conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		} else {
			conn.Close()
		}
	})
	crash.Go(func() {
		defer wg.Done()
		io.Copy(ch, conn)
		ch.CloseWrite()
	})
	wg.Wait()
}

// track counts the channels being relayed.
func (f *Forwarder) track(delta int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open += delta
	switch {
	case f.open > 0 && f.idle == nil:
		f.idle = make(chan struct{})
	case f.open == 0 && f.idle != nil:
		close(f.idle)
		f.idle = nil
	}
}

// Idle returns a channel that is closed once no X11 connection is being
// relayed (already closed when none is). ssh does not end while an X11
// connection is open, even after the session's channel has closed.
func (f *Forwarder) Idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.idle == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return f.idle
}
