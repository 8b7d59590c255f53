package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/internal/crash"
)

// maxJumpDepth bounds hops that name further jump hosts in their own
// configuration ("Host * ProxyJump bastion" matches the bastion too). ssh
// would spawn itself without end; gssh gives up.
const maxJumpDepth = 16

// errJumpLoop is returned when ProxyJump settings nest deeper than
// maxJumpDepth.
var errJumpLoop = errors.New("client: ProxyJump hosts nest too deeply (a loop in the configuration?)")

// dialJump connects through the ProxyJump hosts the way ssh(1) does with
// its implicit "ssh -J rest -W [%h]:%p last" proxy commands, but in one
// process: the first hop is dialled with its own configuration (which may
// name its own ProxyJump or ProxyCommand), each later hop is reached by a
// direct-tcpip channel from the one before, and the destination by a
// channel from the last. Every hop resolves its configuration with itself
// as the destination (DialOptions.ResolveJump) and verifies its own host
// key. The returned connection owns the hops and closes them with it.
func dialJump(ctx context.Context, cfg *config.Config, opts DialOptions) (net.Conn, error) {
	hops, err := config.JumpHops(cfg.ProxyJump)
	if err != nil {
		return nil, err
	}
	if opts.ResolveJump == nil {
		return nil, &UnsupportedError{Feature: "ProxyJump " + cfg.ProxyJump}
	}
	if opts.jumpDepth >= maxJumpDepth {
		return nil, errJumpLoop
	}
	hopOpts := opts
	hopOpts.jumpDepth++
	// The keepalive watchdog of the caller belongs to the destination's
	// connection, not to the hops.
	hopOpts.WrapConn = nil

	var prev *Conn
	for i, hop := range hops {
		hcfg, err := opts.ResolveJump(hop)
		if err != nil {
			// ssh's child for this hop fails before its banner: the
			// parents print their lines after its message.
			closeConn(prev)
			return nil, &JumpError{Hop: hop.Host, Depth: len(hops) - i, Err: err}
		}
		hopOpts.via = prev
		c, err := Dial(ctx, hcfg, hopOpts)
		if err != nil {
			closeConn(prev)
			return nil, &JumpError{Hop: hop.Host, Depth: len(hops) - i, Err: err}
		}
		prev = c
	}
	raw, err := openDirect(prev, cfg.HostName, cfg.Port)
	if err != nil {
		closeConn(prev)
		return nil, &JumpError{Hop: hops[len(hops)-1].Host, Depth: 1, Err: err}
	}
	return raw, nil
}

func closeConn(c *Conn) {
	if c != nil {
		c.Close()
	}
}

// openDirect opens a direct-tcpip channel to host:port on via, as ssh -W
// does, and returns it as a net.Conn that closes via with it. The
// originator is 127.0.0.1 port 0, as channel_connect_stdio_fwd sends.
func openDirect(via *Conn, host string, port int) (*channelConn, error) {
	ch, err := forward.OpenDirect(via.Client, 0, host, port, nil)
	if err != nil {
		return nil, &StdioForwardError{Err: err}
	}
	remote := proxyAddr(net.JoinHostPort(host, strconv.Itoa(port)))
	return newChannelConn(ch, remote, via), nil
}

// channelConn is an SSH channel used as a net.Conn, for the handshake
// with the next hop. A channel has no deadlines; the handshake uses them
// only to abandon the connection (ConnectTimeout, cancellation), so a
// deadline that expires closes the channel and later reads and writes
// report os.ErrDeadlineExceeded.
type channelConn struct {
	ssh.Channel
	remote net.Addr
	owner  io.Closer // the hop connection the channel runs on; may be nil

	mu      sync.Mutex
	timer   *time.Timer
	expired bool
	once    sync.Once
}

func newChannelConn(ch ssh.Channel, remote net.Addr, owner io.Closer) *channelConn {
	return &channelConn{Channel: ch, remote: remote, owner: owner}
}

func (c *channelConn) Read(p []byte) (int, error) {
	n, err := c.Channel.Read(p)
	return n, c.deadlineErr(err)
}

func (c *channelConn) Write(p []byte) (int, error) {
	n, err := c.Channel.Write(p)
	return n, c.deadlineErr(err)
}

// deadlineErr turns the error of a channel closed by an expired deadline
// into the timeout the handshake code recognises.
func (c *channelConn) deadlineErr(err error) error {
	if err == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired {
		return fmt.Errorf("client: jump channel: %w", os.ErrDeadlineExceeded)
	}
	return err
}

func (c *channelConn) Close() error {
	var err error
	c.once.Do(func() {
		c.mu.Lock()
		if c.timer != nil {
			c.timer.Stop()
		}
		c.mu.Unlock()
		err = c.Channel.Close()
		if c.owner != nil {
			c.owner.Close()
		}
	})
	return err
}

func (c *channelConn) LocalAddr() net.Addr  { return proxyAddr("jump") }
func (c *channelConn) RemoteAddr() net.Addr { return c.remote }

func (c *channelConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if t.IsZero() || c.expired {
		return nil
	}
	c.timer = time.AfterFunc(time.Until(t), func() {
		defer crash.Recover()
		c.mu.Lock()
		c.expired = true
		c.mu.Unlock()
		c.Channel.Close()
	})
	return nil
}

func (c *channelConn) SetReadDeadline(t time.Time) error  { return c.SetDeadline(t) }
func (c *channelConn) SetWriteDeadline(t time.Time) error { return c.SetDeadline(t) }

// StdioForwardError reports that the channel for -W (or for the next
// ProxyJump hop, which ssh makes with -W) could not be opened. ssh prints
// the channel's failure and then "stdio forwarding failed".
type StdioForwardError struct {
	Err error
}

func (e *StdioForwardError) Error() string {
	return e.Err.Error() + "\r\nstdio forwarding failed"
}

func (e *StdioForwardError) Unwrap() error { return e.Err }

// JumpError reports a failure to connect through ProxyJump. ssh runs
// each hop as a child "ssh -W" whose own messages come first; every ssh
// above it then sees its proxy close and adds two lines of its own.
// Depth is how many such parents ssh would have: the number of hops from
// the failing one to the destination.
type JumpError struct {
	Hop   string // the hop that failed, as written in ProxyJump
	Depth int
	Err   error
}

func (e *JumpError) Error() string {
	return fmt.Sprintf("client: ProxyJump %s: %v", e.Hop, e.Err)
}

func (e *JumpError) Unwrap() error { return e.Err }

// ParentLines is what each parent ssh prints when its proxy, a child
// ssh, exits during the banner exchange.
func (e *JumpError) ParentLines() []string {
	var out []string
	for i := 0; i < e.Depth; i++ {
		out = append(out, "kex_exchange_identification: Connection closed by remote host",
			"Connection closed by UNKNOWN port 65535")
	}
	return out
}
