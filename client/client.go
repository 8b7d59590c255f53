package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/kexlog"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/x11"
	"github.com/gssh/gssh/internal/crash"
)

// Conn is an authenticated connection to one server.
type Conn struct {
	// Client is the underlying x/crypto/ssh client.
	Client *ssh.Client
	// Config is the configuration the connection was made with.
	Config *config.Config
	// HostKeyUntrusted reports that the host key did not match
	// known_hosts (changed or revoked) and StrictHostKeyChecking=no let
	// the connection go on. As in OpenSSH, agent, X11 and port forwarding
	// must then be refused; Dial has already skipped password and
	// keyboard-interactive authentication.
	HostKeyUntrusted bool

	guard *aliveGuard // the ServerAlive watchdog; nil for a Conn not made by Dial
	// global serves the server's global requests (UpdateHostKeys); nil
	// for a Conn not made by Dial.
	global *globalRequests
	// x11 is the connection's X11 forwarding, shared by its sessions.
	x11 x11.Forwarder
	// quitting is set by Quit: the end of the connection is ours.
	quitting atomic.Bool
	// traffic counts the bytes on the socket; nil for a Conn not made by
	// Dial.
	traffic *kexlog.Conn
}

// x11Request is the x11-req payload for a session on c when ForwardX11
// asks for one, DISPLAY and xauth's environment coming from environ;
// ok is false when no request is to be sent (client/x11 has logged why).
func (c *Conn) x11Request(ctx context.Context, environ []string, log *sshlog.Logger) (payload []byte, ok bool) {
	cfg := c.Config
	if !cfg.ForwardX11 || c.HostKeyUntrusted {
		return nil, false
	}
	display, set := lookupEnv(environ, "DISPLAY")
	return c.x11.Request(ctx, c.Client, x11.Options{
		ProtoOptions: x11.ProtoOptions{
			Display: display,
			XAuth:   cfg.XAuthLocation,
			Trusted: cfg.ForwardX11Trusted,
			Timeout: cfg.ForwardX11Timeout,
			Environ: environ,
		},
		DisplaySet: set,
	}, log)
}

// ErrQuit is what Run returns when Quit closed the connection under it:
// ssh's quit_pending (a master told to exit with -O exit), which ends
// the run with status 255 and no message of its own.
var ErrQuit = errors.New("client: connection closed on request")

// Quit closes the connection as ssh's quit_pending ends its loop: a
// session running on it ends with ErrQuit, after only the "Connection to
// H closed." that ssh prints for a pty session, and a -N wait ends with
// ErrQuit silently.
func (c *Conn) Quit() error {
	c.quitting.Store(true)
	return c.Close()
}

// Traffic returns the bytes sent and received on the connection's socket
// so far, for ssh's "Transferred:" line at -v.
func (c *Conn) Traffic() (sent, received uint64) {
	if c.traffic == nil {
		return 0, 0
	}
	sent, received, _ = c.traffic.Traffic()
	return sent, received
}

// Close closes the connection, unblocking every goroutine that uses it.
// An UpdateHostKeys exchange under way is let finish first (see
// globalRequests.wait).
func (c *Conn) Close() error {
	c.global.wait()
	c.guard.close()
	return c.Client.Close()
}

// Wait blocks until the connection ends, or ctx does, and returns why it
// ended, as -N would report it: a *ServerAliveError when the keepalive
// watchdog declared the server dead, a *DisconnectedError when the server
// said why it closed the connection, else a *ConnectionLostError. It
// prints nothing. After ctx ended it returns ctx's error.
func (c *Conn) Wait(ctx context.Context) error {
	ended := make(chan struct{})
	crash.Go(func() {
		c.Client.Wait()
		close(ended)
	})
	select {
	case <-ended:
	case <-ctx.Done():
		return fmt.Errorf("client: %w", ctx.Err())
	}
	if err := c.guard.deadErr(); err != nil {
		return err
	}
	if d := c.disconnect(ctx); d != nil {
		return d
	}
	return &ConnectionLostError{Host: c.Config.HostName}
}
