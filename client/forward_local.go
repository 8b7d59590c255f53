package client

import (
	"errors"
	"net"
	"os"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
)

// startLocal opens the listeners of -L and -D. Like ssh.c
// ssh_init_forwarding, it reports "Could not request local forwarding."
// as an error when none could be opened, and fails on the first that
// could not when ExitOnForwardFailure is set.
func (f *Forwarding) startLocal(local, dynamic []string) error {
	total, failed := 0, 0
	try := func(s string, isDynamic bool) error {
		spec, err := parseForwardSpec(s)
		if err != nil {
			return err
		}
		spec.dynamic = isDynamic
		total++
		if !f.listenLocal(spec) {
			failed++
		}
		return nil
	}
	for _, s := range local {
		if err := try(s, false); err != nil {
			return err
		}
	}
	for _, s := range dynamic {
		if err := try(s, true); err != nil {
			return err
		}
	}
	switch {
	case failed > 0 && f.conn.Config.ExitOnForwardFailure:
		return &ForwardError{}
	case total > 0 && failed == total:
		f.log.Logf(config.LogError, "Could not request local forwarding.")
	}
	return nil
}

// listenLocal opens the listeners of one local forwarding and starts
// serving them; false means none could be opened.
func (f *Forwarding) listenLocal(spec forwardSpec) bool {
	var ls []net.Listener
	if spec.listen.path != "" {
		if l := f.listenUnix(spec.listen.path); l != nil {
			ls = append(ls, l)
		}
	} else {
		ls = f.listenTCP(spec.listen)
	}
	if len(ls) == 0 {
		return false
	}
	handle := func(c net.Conn) { f.serveLocal(c, spec.connect) }
	if spec.dynamic {
		handle = f.serveSocks
		f.log.Logf(config.LogDebug1, "Local connections to %s forwarded dynamically", spec.listen)
	} else {
		f.log.Logf(config.LogDebug1, "Local connections to %s forwarded to remote address %s", spec.listen, spec.connect)
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
func (f *Forwarding) listenAddrs(ep endpoint) []string {
	cfg := f.conn.Config
	wildcard := (!ep.hostSet && cfg.GatewayPorts) || (ep.hostSet && (ep.host == "" || ep.host == "*"))
	loopback := (!ep.hostSet && !cfg.GatewayPorts) || (ep.hostSet && ep.host == "localhost")
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
	return []string{ep.host}
}

// listenTCP binds every address of a local TCP forwarding, logging the
// failures as ssh does; it returns the listeners that worked.
func (f *Forwarding) listenTCP(ep endpoint) []net.Listener {
	var ls []net.Listener
	for _, host := range f.listenAddrs(ep) {
		addr := net.JoinHostPort(host, strconv.Itoa(ep.port))
		network := "tcp"
		if host != "" {
			if ip := net.ParseIP(host); ip == nil {
				network = map[string]string{"inet": "tcp4", "inet6": "tcp6"}[f.conn.Config.AddressFamily]
				if network == "" {
					network = "tcp"
				}
			}
		}
		l, err := net.Listen(network, addr)
		if err != nil {
			shown := host
			if shown == "" {
				shown = "::"
			}
			f.log.Logf(config.LogError, "bind [%s]:%d: %s", shown, ep.port, config.Strerror(err))
			continue
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		f.log.Logf(config.LogError, "channel_setup_fwd_listener_tcpip: cannot listen to port: %d", ep.port)
	}
	return ls
}

// listenUnix binds a Unix socket listener with StreamLocalBindMask and
// StreamLocalBindUnlink. Go removes the socket file when the listener
// closes; ssh leaves it behind (hence StreamLocalBindUnlink).
func (f *Forwarding) listenUnix(path string) net.Listener {
	cfg := f.conn.Config
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
// it (see forward_negotiate.go). -L without an address has two listeners
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
func (f *Forwarding) serveLocal(c net.Conn, to endpoint) {
	if !f.takeSlot(c) {
		c.Close()
		return
	}
	defer f.release()
	ch, err := f.openChannel(to, c.RemoteAddr())
	if err != nil {
		f.log.Logf(config.LogError, "%s", err)
		c.Close()
		return
	}
	pipe(c, ch)
}

// serveSocks carries one -D connection: a SOCKS request, read under the
// handshake deadline and without a channel slot, names the destination
// of the channel.
func (f *Forwarding) serveSocks(c net.Conn) {
	end := f.pending.begin(c)
	req, err := readSocksRequest(c)
	if !end() && err == nil {
		err = errSocksEvicted
	}
	if err != nil {
		f.log.Logf(config.LogDebug1, "dynamic forwarding: %v", err)
		c.Close()
		return
	}
	if !f.takeSlot(c) {
		req.reply(c, socks5GeneralFailure)
		c.Close()
		return
	}
	defer f.release()
	ch, err := f.openChannel(endpoint{host: req.host, hostSet: true, port: req.port}, c.RemoteAddr())
	if err != nil {
		f.log.Logf(config.LogError, "%s", err)
		req.reply(c, socksFailure(err))
		c.Close()
		return
	}
	if err := req.reply(c, socks5Succeeded); err != nil {
		ch.Close()
		c.Close()
		return
	}
	pipe(c, ch)
}

// socksFailure picks the SOCKS5 reply code for a channel that did not
// open.
func socksFailure(err error) byte {
	var oe *ChannelOpenError
	if errors.As(err, &oe) {
		switch oe.Reason {
		case ssh.ConnectionFailed:
			return socks5Refused
		case ssh.Prohibited:
			return socks5NotAllowed
		}
	}
	return socks5GeneralFailure
}

// openChannel opens direct-tcpip (RFC 4254 section 7.2) or, for a path,
// direct-streamlocal@openssh.com (PROTOCOL section 2.4) to the given
// destination, naming from as the originator.
func (f *Forwarding) openChannel(to endpoint, from net.Addr) (ssh.Channel, error) {
	num := f.channelNumber()
	var (
		kind    string
		payload []byte
	)
	if to.path != "" {
		kind = "direct-streamlocal@openssh.com"
		payload = ssh.Marshal(struct {
			Path     string
			Reserved string
			Zero     uint32
		}{to.path, "", 0})
	} else {
		kind = "direct-tcpip"
		origHost, origPort := "127.0.0.1", 0
		if tcp, ok := from.(*net.TCPAddr); ok {
			origHost, origPort = tcp.IP.String(), tcp.Port
		}
		payload = ssh.Marshal(directTCPIP{Host: to.host, Port: uint32(to.port), OrigHost: origHost, OrigPort: uint32(origPort)})
	}
	ch, reqs, err := f.conn.Client.OpenChannel(kind, payload)
	if err != nil {
		return nil, channelOpenError(num, err)
	}
	crash.Go(func() { ssh.DiscardRequests(reqs) })
	return ch, nil
}
