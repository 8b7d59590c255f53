package forward

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/internal/socks"
)

// startLocal opens the listeners of -L and -D. Like ssh.c
// ssh_init_forwarding, it reports "Could not request local forwarding."
// as an error when none could be opened, and fails on the first that
// could not when ExitOnForwardFailure is set.
func (f *Forwarding) startLocal(local, dynamic []config.Forward) error {
	total, failed := 0, 0
	for _, list := range [][]config.Forward{local, dynamic} {
		for _, spec := range list {
			total++
			if !f.listenLocal(spec) {
				failed++
			}
		}
	}
	switch {
	case failed > 0 && f.cfg.ExitOnForwardFailure:
		return &Error{}
	case total > 0 && failed == total:
		f.log.Logf(config.LogError, "Could not request local forwarding.")
	}
	return nil
}

// listenLocal opens the listeners of one local forwarding and starts
// serving them; false means none could be opened.
func (f *Forwarding) listenLocal(spec config.Forward) bool {
	var ls []net.Listener
	if spec.Listen.Path != "" {
		if l := f.listenUnix(spec.Listen.Path); l != nil {
			ls = append(ls, l)
		}
	} else {
		ls = f.listenTCP(spec.Listen)
	}
	if len(ls) == 0 {
		return false
	}
	handle := func(c net.Conn) { f.serveLocal(c, spec.Connect) }
	if spec.Dynamic() {
		handle = f.serveSocks
		f.log.Logf(config.LogDebug1, "Local connections to %s forwarded dynamically", addr(spec.Listen))
	} else {
		f.log.Logf(config.LogDebug1, "Local connections to %s forwarded to remote address %s", addr(spec.Listen), addr(spec.Connect))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.locals = append(f.locals, &localForward{spec: spec, listeners: ls})
	for _, l := range ls {
		select {
		case <-f.done:
			l.Close()
			continue
		default:
		}
		f.listeners = append(f.listeners, l)
		crash.Go(func() { f.accept(l, handle) })
	}
	return true
}

// listenAddrs are the addresses channels.c channel_fwd_bind_addr picks
// for a local listener (ssh is the client there): no address means the
// loopback addresses, or every address with GatewayPorts; "" and "*"
// mean every address; "localhost" means the loopback addresses; anything
// else is taken as given.
func (f *Forwarding) listenAddrs(ep config.Endpoint) []string {
	cfg := f.cfg
	wildcard := (ep.Host == "" && cfg.GatewayPorts) || ep.Host == "*"
	loopback := (ep.Host == "" && !cfg.GatewayPorts) || ep.Host == "localhost"
	switch {
	case wildcard && cfg.AddressFamily == "inet":
		return []string{"0.0.0.0"}
	case wildcard && cfg.AddressFamily == "inet6":
		return []string{"::"}
	case wildcard:
		return []string{""} // one dual-stack socket
	case loopback && cfg.AddressFamily == "inet":
		return []string{"127.0.0.1"}
	case loopback && cfg.AddressFamily == "inet6":
		return []string{"::1"}
	case loopback:
		return []string{"127.0.0.1", "::1"}
	}
	return []string{ep.Host}
}

// listenTCP binds every address of a local TCP forwarding, logging the
// failures as ssh does; it returns the listeners that worked.
func (f *Forwarding) listenTCP(ep config.Endpoint) []net.Listener {
	var ls []net.Listener
	for _, host := range f.listenAddrs(ep) {
		hostPort := net.JoinHostPort(host, strconv.Itoa(ep.Port))
		network := "tcp"
		if host != "" {
			if ip := net.ParseIP(host); ip == nil {
				network = map[string]string{"inet": "tcp4", "inet6": "tcp6"}[f.cfg.AddressFamily]
				if network == "" {
					network = "tcp"
				}
			}
		}
		l, err := net.Listen(network, hostPort)
		if err != nil {
			shown := host
			if shown == "" {
				shown = "::"
			}
			f.log.Logf(config.LogError, "bind [%s]:%d: %s", shown, ep.Port, config.Strerror(err))
			continue
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		f.log.Logf(config.LogError, "channel_setup_fwd_listener_tcpip: cannot listen to port: %d", ep.Port)
	}
	return ls
}

// listenUnix binds a Unix socket listener with StreamLocalBindMask and
// StreamLocalBindUnlink. Go removes the socket file when the listener
// closes; ssh leaves it behind (hence StreamLocalBindUnlink).
func (f *Forwarding) listenUnix(path string) net.Listener {
	cfg := f.cfg
	if cfg.StreamLocalBindUnlink {
		os.Remove(path)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		f.log.Logf(config.LogError, "unix_listener: cannot bind to path %s: %s", path, config.Strerror(err))
		return nil
	}
	// The process umask is shared with every goroutine, so the mask is
	// applied by chmod after bind rather than by umask around it.
	if err := os.Chmod(path, os.FileMode(0o666&^cfg.StreamLocalBindMask)); err != nil {
		f.log.Logf(config.LogError, "chmod %s: %s", path, config.Strerror(err))
	}
	return l
}

// accept serves one listener until it is closed. It waits for nothing
// but the next connection, which gets its own goroutine at once: neither
// a SOCKS handshake nor a full channel table holds up the clients behind
// it (see negotiate.go). -L without an address has two listeners
// sharing the slots.
func (f *Forwarding) accept(l net.Listener, handle func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and the like: ssh logs and keeps listening.
			f.log.Logf(config.LogError, "accept: %s", config.Strerror(err))
			select {
			case <-f.done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		crash.Go(func() { handle(c) })
	}
}

// takeSlot takes a channel slot for a local connection, or reports that
// every slot is in use.
func (f *Forwarding) takeSlot(c net.Conn) bool {
	return f.tryAcquire(func() {
		f.log.Logf(config.LogError, "Refusing local connection from %s: %d forwarded channels are open", c.RemoteAddr(), cap(f.slots))
	})
}

// serveLocal carries one -L connection over a new channel.
func (f *Forwarding) serveLocal(c net.Conn, to config.Endpoint) {
	if !f.takeSlot(c) {
		c.Close()
		return
	}
	defer f.release()
	ch, err := f.openChannel(to, c.RemoteAddr())
	if err != nil {
		f.logOpenFailure(c, err)
		c.Close()
		return
	}
	pipe(c, ch)
}

// serveSocks carries one -D connection: a SOCKS request, read under the
// handshake deadline and without a channel slot, names the destination
// of the channel. Unlike ssh, which answers "granted" before it knows
// whether the channel opens, gssh answers after the server's reply, so a
// client sees a refused connection as a SOCKS failure rather than as an
// immediate EOF.
func (f *Forwarding) serveSocks(c net.Conn) {
	end := f.pending.begin(c)
	req, err := socks.ReadRequest(c)
	if !end() && err == nil {
		err = errSocksEvicted
	}
	if err != nil {
		f.log.Logf(config.LogDebug1, "dynamic forwarding: %v", err)
		c.Close()
		return
	}
	if !f.takeSlot(c) {
		req.Reply(c, socks.GeneralFailure)
		c.Close()
		return
	}
	defer f.release()
	ch, err := f.openChannel(config.Endpoint{Host: req.Host, Port: req.Port}, c.RemoteAddr())
	if err != nil {
		f.logOpenFailure(c, err)
		req.Reply(c, socksFailure(err))
		c.Close()
		return
	}
	if err := req.Reply(c, socks.Succeeded); err != nil {
		ch.Close()
		c.Close()
		return
	}
	pipe(c, ch)
}

// logOpenFailure logs a channel for the local connection c that did not
// open: as ssh logs a refusal, and at VERBOSE a connection closed during
// an outage, which the runtime has already reported once.
func (f *Forwarding) logOpenFailure(c net.Conn, err error) {
	var outage *OutageError
	if errors.As(err, &outage) {
		f.log.Logf(config.LogVerbose, "Closing connection from %s: %s", c.RemoteAddr(), outage.Error())
		return
	}
	f.log.Logf(config.LogError, "%s", err)
}

// socksFailure picks the SOCKS5 reply code for a channel that did not
// open.
func socksFailure(err error) socks.ReplyCode {
	var oe *ChannelOpenError
	if errors.As(err, &oe) {
		switch oe.Reason {
		case ssh.ConnectionFailed:
			return socks.Refused
		case ssh.Prohibited:
			return socks.NotAllowed
		}
	}
	return socks.GeneralFailure
}

// openChannel opens direct-tcpip or, for a path,
// direct-streamlocal@openssh.com (PROTOCOL section 2.4) to the given
// destination, naming from as the originator.
//
// A Forwarding made by New opens it on the current connection, waiting up
// to Options.OutageWait for one while there is none; when the open fails
// because the connection died under it, rather than because the server
// refused, the channel is opened on the next connection within the same
// wait.
func (f *Forwarding) openChannel(to config.Endpoint, from net.Addr) (ssh.Channel, error) {
	num := f.channelNumber()
	var stale *ssh.Client
	deadline := time.Now().Add(f.outageWait)
	for {
		c := f.link.wait(f.done, time.Until(deadline), stale)
		if c == nil {
			if f.outageWait > 0 {
				return nil, &OutageError{Wait: f.outageWait}
			}
			return nil, fmt.Errorf("forward: %w", errNoConnection)
		}
		ch, err := f.openOn(c, num, to, from)
		var refused *ChannelOpenError
		if err == nil || f.outageWait <= 0 || errors.As(err, &refused) {
			return ch, err
		}
		stale = c
	}
}

// openOn opens the channel of openChannel on c.
func (f *Forwarding) openOn(c *ssh.Client, num int, to config.Endpoint, from net.Addr) (ssh.Channel, error) {
	if to.Path == "" {
		return OpenDirect(c, num, to.Host, to.Port, from)
	}
	return openChannel(c, num, "direct-streamlocal@openssh.com", ssh.Marshal(struct {
		Path     string
		Reserved string
		Zero     uint32
	}{to.Path, "", 0}))
}

// OutageError reports a local connection closed because no connection
// to the server came within Options.OutageWait.
type OutageError struct {
	Wait time.Duration
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("no connection to the server within %v", e.Wait)
}

// OpenDirect opens a direct-tcpip channel (RFC 4254 section 7.2) to
// host:port on c, naming from as the originator: 127.0.0.1 port 0 when
// it is not a TCP address, as ssh -W (channel_connect_stdio_fwd) sends.
// Requests on the channel are discarded. A refusal is a
// *ChannelOpenError numbered channel, the number ssh would print.
func OpenDirect(c *ssh.Client, channel int, host string, port int, from net.Addr) (ssh.Channel, error) {
	origHost, origPort := "127.0.0.1", 0
	if tcp, ok := from.(*net.TCPAddr); ok {
		origHost, origPort = tcp.IP.String(), tcp.Port
	}
	return openChannel(c, channel, "direct-tcpip", ssh.Marshal(directTCPIP{
		Host: host, Port: uint32(port), OrigHost: origHost, OrigPort: uint32(origPort),
	}))
}

// directTCPIP is the payload of a direct-tcpip channel open (RFC 4254
// section 7.2).
type directTCPIP struct {
	Host     string
	Port     uint32
	OrigHost string
	OrigPort uint32
}

// openChannel opens a channel of kind and discards its requests.
func openChannel(c *ssh.Client, channel int, kind string, payload []byte) (ssh.Channel, error) {
	ch, reqs, err := c.OpenChannel(kind, payload)
	if err != nil {
		return nil, channelOpenError(channel, err)
	}
	crash.Go(func() { ssh.DiscardRequests(reqs) })
	return ch, nil
}

// ChannelOpenError reports that the server refused to open a channel,
// worded as channels.c logs it ("channel 0: open failed: connect failed:
// Connection refused").
type ChannelOpenError struct {
	// Channel is the local channel number ssh would print; gssh numbers
	// its forwarded channels itself, so it may differ from ssh's.
	Channel int
	Reason  ssh.RejectionReason
	Message string
	Err     error
}

func (e *ChannelOpenError) Error() string {
	reason := "unknown reason"
	switch e.Reason {
	case ssh.Prohibited:
		reason = "administratively prohibited"
	case ssh.ConnectionFailed:
		reason = "connect failed"
	case ssh.UnknownChannelType:
		reason = "unknown channel type"
	case ssh.ResourceShortage:
		reason = "resource shortage"
	}
	if e.Message == "" {
		return fmt.Sprintf("channel %d: open failed: %s", e.Channel, reason)
	}
	return fmt.Sprintf("channel %d: open failed: %s: %s", e.Channel, reason, e.Message)
}

func (e *ChannelOpenError) Unwrap() error { return e.Err }

// channelOpenError types an OpenChannel failure; errors other than a
// refusal (a dead connection) are returned as they are.
func channelOpenError(channel int, err error) error {
	var oe *ssh.OpenChannelError
	if errors.As(err, &oe) {
		return &ChannelOpenError{Channel: channel, Reason: oe.Reason, Message: oe.Message, Err: err}
	}
	return fmt.Errorf("forward: open channel: %w", err)
}
