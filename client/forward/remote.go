package forward

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/internal/socks"
)

// remoteForward is one -R the server accepted.
type remoteForward struct {
	spec     config.Forward
	bindHost string // the address sent in tcpip-forward
	port     int    // the port listened on, allocated by the server for 0
}

// Channel types and global requests of remote forwarding: RFC 4254
// section 7.1 and OpenSSH's PROTOCOL section 2.4 for Unix sockets.
const (
	reqTCPForward        = "tcpip-forward"
	reqCancelTCPForward  = "cancel-tcpip-forward"
	reqUnixForward       = "streamlocal-forward@openssh.com"
	reqCancelUnixForward = "cancel-streamlocal-forward@openssh.com"
	chanForwardedTCP     = "forwarded-tcpip"
	chanForwardedUnix    = "forwarded-streamlocal@openssh.com"
)

// forwardedTCPIP is the payload of a forwarded-tcpip channel open.
type forwardedTCPIP struct {
	Addr     string
	Port     uint32
	OrigAddr string
	OrigPort uint32
}

// forwardedUnix is the payload of a forwarded-streamlocal channel open.
type forwardedUnix struct {
	Path     string
	Reserved string
}

// startRemote asks the server to listen for every -R and starts serving
// the channels it opens. The channel handlers are claimed first, so that
// no connection arriving right after a reply is lost.
func (f *Forwarding) startRemote(ctx context.Context, specs []config.Forward) error {
	f.mu.Lock()
	f.wanted = append(f.wanted, specs...)
	f.mu.Unlock()
	if len(specs) == 0 {
		return nil
	}
	c := f.link.current()
	if err := f.serveOpens(c); err != nil {
		return err
	}
	for _, spec := range specs {
		if err := f.requestRemote(ctx, c, spec); err != nil {
			return err
		}
	}
	return nil
}

// serveOpens claims the channel types of remote forwarding on c, once per
// connection, and answers their opens from then on.
func (f *Forwarding) serveOpens(c *ssh.Client) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c == nil {
		return errNoConnection
	}
	if f.opensOn == c {
		return nil
	}
	tcp := c.HandleChannelOpen(chanForwardedTCP)
	unix := c.HandleChannelOpen(chanForwardedUnix)
	if tcp == nil || unix == nil {
		return errors.New("forward: remote forwarding is already set up on this connection")
	}
	f.opensOn = c
	crash.Go(func() { f.dispatch(tcp) })
	crash.Go(func() { f.dispatch(unix) })
	return nil
}

// rfwdBindHost is channels.c channel_rfwd_bind_host: the address sent
// for a remote listener.
func rfwdBindHost(ep config.Endpoint) string {
	switch ep.Host {
	case "":
		return "localhost"
	case "*":
		return ""
	}
	return ep.Host
}

// requestRemote sends one tcpip-forward or streamlocal-forward request
// and waits for the answer, reporting it as ssh.c
// ssh_confirm_remote_forward does.
func (f *Forwarding) requestRemote(ctx context.Context, c *ssh.Client, spec config.Forward) error {
	rf, err := f.askRemote(ctx, c, spec)
	if err == nil && rf == nil {
		err = f.refused(spec)
	}
	return err
}

// refused reports a remote forwarding the server refused as ssh.c
// ssh_confirm_remote_forward does: an *Error with ExitOnForwardFailure,
// else a warning and nil.
func (f *Forwarding) refused(spec config.Forward) error {
	if f.cfg.ExitOnForwardFailure {
		return &Error{Remote: true, Port: spec.Listen.Port, Path: spec.Listen.Path}
	}
	if spec.Listen.Path != "" {
		f.log.Logf(config.LogInfo, "Warning: remote port forwarding failed for listen path %s", spec.Listen.Path)
	} else {
		f.log.Logf(config.LogInfo, "Warning: remote port forwarding failed for listen port %d", spec.Listen.Port)
	}
	return nil
}

// askRemote sends one tcpip-forward or streamlocal-forward request on c
// and waits for the answer. rf is nil when the server refused, which it
// does not log; an error means no answer came (c failed, ctx ended).
func (f *Forwarding) askRemote(ctx context.Context, c *ssh.Client, spec config.Forward) (*remoteForward, error) {
	rf := &remoteForward{spec: spec, bindHost: rfwdBindHost(spec.Listen), port: spec.Listen.Port}
	name, payload := reqTCPForward, ssh.Marshal(struct {
		Addr string
		Port uint32
	}{rf.bindHost, uint32(rf.port)})
	if spec.Listen.Path != "" {
		name, payload = reqUnixForward, ssh.Marshal(struct{ Path string }{spec.Listen.Path})
	}
	f.log.Logf(config.LogDebug1, "Remote connections from %s forwarded to local address %s", addr(spec.Listen), remoteTarget(spec))
	type answer struct {
		ok    bool
		reply []byte
		err   error
	}
	res := make(chan answer, 1)
	crash.Go(func() {
		ok, reply, err := c.SendRequest(name, true, payload)
		res <- answer{ok, reply, err}
	})
	var a answer
	select {
	case a = <-res:
	case <-ctx.Done():
		return nil, fmt.Errorf("forward: %s: %w", name, ctx.Err())
	}
	if a.err != nil {
		return nil, fmt.Errorf("forward: %s: %w", name, a.err)
	}
	if a.ok && spec.Listen.Path == "" && rf.port == 0 {
		if len(a.reply) < 4 || binary.BigEndian.Uint32(a.reply) > 65535 {
			a.ok = false
		} else {
			rf.port = int(binary.BigEndian.Uint32(a.reply))
			f.log.Logf(config.LogInfo, "Allocated port %d for remote forward to %s", rf.port, remoteTarget(spec))
		}
	}
	if !a.ok {
		return nil, nil
	}
	f.mu.Lock()
	if f.link.current() != c {
		// The connection was lost while waiting: the listener went with c.
		f.mu.Unlock()
		return nil, fmt.Errorf("forward: %s: %w", name, errNoConnection)
	}
	f.remotes = append(f.remotes, rf)
	f.mu.Unlock()
	return rf, nil
}

// remoteTarget is the destination of a remote forward as ssh logs it:
// "host:port" (no brackets), "path:-2" or "socks:0".
func remoteTarget(spec config.Forward) string {
	switch {
	case spec.Dynamic():
		return "socks:0"
	case spec.Connect.Path != "":
		return spec.Connect.Path + ":-2"
	}
	return spec.Connect.Host + ":" + strconv.Itoa(spec.Connect.Port)
}

// cancelRemote withdraws the server's listeners, without waiting for
// answers: the connection may be closing already.
func (f *Forwarding) cancelRemote() {
	f.mu.Lock()
	remotes := f.remotes
	f.remotes = nil
	f.mu.Unlock()
	for _, rf := range remotes {
		f.sendCancel(rf)
	}
}

// sendCancel asks the server to stop listening for rf, without waiting
// for an answer (ssh asks for none).
func (f *Forwarding) sendCancel(rf *remoteForward) {
	c := f.link.current()
	if c == nil {
		return // the listener went with the connection
	}
	if rf.spec.Listen.Path != "" {
		c.SendRequest(reqCancelUnixForward, false, ssh.Marshal(struct{ Path string }{rf.spec.Listen.Path}))
		return
	}
	c.SendRequest(reqCancelTCPForward, false, ssh.Marshal(struct {
		Addr string
		Port uint32
	}{rf.bindHost, uint32(rf.port)}))
}

// dispatch answers the server's channel opens for remote forwards. It
// never blocks on a slow forwarding: x/crypto delivers every channel
// open of the connection through one goroutine.
func (f *Forwarding) dispatch(opens <-chan ssh.NewChannel) {
	for nc := range opens {
		rf, origin := f.match(nc)
		switch {
		case rf == nil:
			nc.Reject(ssh.Prohibited, "unknown listen address")
		case !f.tryAcquire(func() {
			f.log.Logf(config.LogError, "Refusing forwarded connection: %d forwarded channels are open", cap(f.slots))
		}):
			nc.Reject(ssh.ResourceShortage, "too many forwarded channels")
		default:
			crash.Go(func() {
				defer f.release()
				f.serveRemote(nc, rf, origin)
			})
		}
	}
}

// match finds the remote forward a channel open belongs to, as
// channels.c open_listen_match_tcpip does (bind address and port), and
// falls back to the port alone for servers that report the address in
// another form. origin names the remote peer for messages.
func (f *Forwarding) match(nc ssh.NewChannel) (*remoteForward, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nc.ChannelType() == chanForwardedUnix {
		var p forwardedUnix
		if ssh.Unmarshal(nc.ExtraData(), &p) != nil {
			return nil, ""
		}
		for _, rf := range f.remotes {
			if rf.spec.Listen.Path == p.Path {
				return rf, p.Path
			}
		}
		f.log.Logf(config.LogError, "WARNING: Server requests forwarding for unknown path %s", p.Path)
		return nil, ""
	}
	var p forwardedTCPIP
	if ssh.Unmarshal(nc.ExtraData(), &p) != nil {
		return nil, ""
	}
	origin := net.JoinHostPort(p.OrigAddr, strconv.Itoa(int(p.OrigPort)))
	var byPort *remoteForward
	for _, rf := range f.remotes {
		if rf.spec.Listen.Path != "" || rf.port != int(p.Port) {
			continue
		}
		if rf.bindHost == p.Addr {
			return rf, origin
		}
		byPort = rf
	}
	if byPort == nil {
		f.log.Logf(config.LogError, "WARNING: Server requests forwarding for unknown listen_port %d", p.Port)
	}
	return byPort, origin
}

// serveRemote connects one forwarded channel to its local destination,
// or for a dynamic -R runs SOCKS over the channel to learn it.
func (f *Forwarding) serveRemote(nc ssh.NewChannel, rf *remoteForward, origin string) {
	if rf.spec.Dynamic() {
		f.serveRemoteSocks(nc)
		return
	}
	network, to := "tcp", net.JoinHostPort(rf.spec.Connect.Host, strconv.Itoa(rf.spec.Connect.Port))
	if rf.spec.Connect.Path != "" {
		network, to = "unix", rf.spec.Connect.Path
	}
	local, err := net.Dial(network, to)
	if err != nil {
		f.log.Logf(config.LogError, "connect_to %s: failed.", connectName(rf.spec.Connect))
		nc.Reject(ssh.ConnectionFailed, config.Strerror(err))
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		local.Close()
		return
	}
	crash.Go(func() { ssh.DiscardRequests(reqs) })
	f.log.Logf(config.LogDebug1, "client_request_forwarded_tcpip: listen %s, originator %s", addr(rf.spec.Listen), origin)
	pipe(local, ch)
}

// connectName is a destination as channels.c connect_to names it.
func connectName(ep config.Endpoint) string {
	if ep.Path != "" {
		return ep.Path
	}
	return fmt.Sprintf("%s port %d", ep.Host, ep.Port)
}

// serveRemoteSocks is remote dynamic forwarding: the server's peer
// speaks SOCKS through the channel and gssh connects locally, to the
// destinations PermitRemoteOpen allows.
func (f *Forwarding) serveRemoteSocks(nc ssh.NewChannel) {
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	crash.Go(func() { ssh.DiscardRequests(reqs) })
	// A channel has no deadlines: a timer closes it when the handshake
	// outlasts the one a local -D client gets, so that silent peers on
	// the server do not keep channel slots for ever.
	expire := time.AfterFunc(f.pending.timeout, func() {
		defer crash.Recover()
		ch.Close()
	})
	req, err := socks.ReadRequest(ch)
	if !expire.Stop() && err == nil {
		err = errSocksExpired
	}
	if err != nil {
		f.log.Logf(config.LogDebug1, "remote dynamic forwarding: %v", err)
		ch.Close()
		return
	}
	if !permitOpen(f.cfg.PermitRemoteOpen, req.Host, req.Port) {
		f.log.Logf(config.LogError, "Received request to connect to host %s port %d, but the request was denied.", req.Host, req.Port)
		req.Reply(ch, socks.NotAllowed)
		ch.Close()
		return
	}
	local, err := net.Dial("tcp", req.Target())
	if err != nil {
		f.log.Logf(config.LogError, "connect_to %s port %d: failed.", req.Host, req.Port)
		req.Reply(ch, socks.Refused)
		ch.Close()
		return
	}
	if err := req.Reply(ch, socks.Succeeded); err != nil {
		local.Close()
		ch.Close()
		return
	}
	pipe(local, ch)
}

// permitOpen applies PermitRemoteOpen: empty or "any" allows everything,
// "none" nothing, otherwise "host:port" entries where either may be "*".
// Host names are compared exactly, as channels.c does.
func permitOpen(list []string, host string, port int) bool {
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		switch strings.ToLower(p) {
		case "any":
			return true
		case "none":
			return false
		}
		h, ps, ok := splitPermit(p)
		if !ok {
			continue
		}
		if (h == "*" || h == host) && (ps == "*" || ps == strconv.Itoa(port)) {
			return true
		}
	}
	return false
}

// splitPermit splits "host:port" or "[host]:port".
func splitPermit(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		h, p, err := net.SplitHostPort(s)
		return h, p, err == nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
