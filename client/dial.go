package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/kexlog"
	"github.com/gssh/gssh/client/knownhosts"
	"github.com/gssh/gssh/client/nss"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/crash"
)

// ClientVersion is the identification string gssh sends. It does not claim
// to be OpenSSH: servers key compatibility workarounds on the peer's
// version (sshd's compat.c), and those written for OpenSSH's bugs must not
// be applied to x/crypto's implementation.
const ClientVersion = "SSH-2.0-gssh_0.1"

// DialOptions are the parts of a connection that are not ssh_config
// settings.
type DialOptions struct {
	// Prompter asks for passphrases, passwords and host key confirmation.
	// nil means no prompt is possible, as with BatchMode.
	Prompter tty.Prompter
	// Log receives ssh's diagnostics ("Warning: Permanently added ...").
	// It may be nil.
	Log *sshlog.Logger
	// WrapConn, if set, wraps the TCP connection before the SSH handshake,
	// for instance so that a keepalive watchdog can observe inbound bytes.
	// The wrapper must pass SetDeadline through: ConnectTimeout and context
	// cancellation rely on it.
	WrapConn func(net.Conn) net.Conn
	// HomeDir is the user's home directory, whose .ssh is created when
	// the first UserKnownHostsFile is in it and a new host key is added.
	// "" means the current user's home from the password database, as
	// OpenSSH uses (not $HOME).
	HomeDir string
	// Command is set when the session runs a command (or a subsystem)
	// rather than a login shell; UpdateHostKeys=ask then never asks.
	Command bool
	// ResolveJump resolves the configuration of a ProxyJump hop, with the
	// hop as the destination, as ssh(1) does for the "ssh -W" it runs
	// per hop (see jump.go). nil refuses ProxyJump.
	ResolveJump func(config.Hop) (*config.Config, error)

	jumpDepth int   // how many ProxyJump levels this dial is nested in
	via       *Conn // set for a later hop: reach it by a channel on via
}

// Dial connects to cfg.HostName:cfg.Port, verifies the host key and
// authenticates, as ssh(1) does before opening a session.
//
// ConnectTimeout bounds each TCP connect and, separately, the whole SSH
// handshake including authentication (OpenSSH bounds only the banner
// exchange); time spent at a prompt does not count. Cancelling ctx aborts
// the dial, the handshake or authentication at once by closing the
// connection.
//
// Errors that cmd/gssh reports the OpenSSH way are *ConnectError,
// *ResolveError, *TimeoutError, *ClosedError, *DisconnectedError,
// *knownhosts.HostKeyError, *AuthError, *UnsupportedError,
// *knownhosts.CommandError, *knownhosts.KeySizeError and *NegotiationError.
func Dial(ctx context.Context, cfg *config.Config, opts DialOptions) (*Conn, error) {
	// The guard hooks this connection's handshake into opts: its prompter
	// holds a read bound on a socket that exists only once the transport
	// is up. ProxyJump hops are dialled before that, with prompts of
	// their own, so they get the options as the caller gave them.
	transportOpts := opts
	guard, err := newAliveGuard(cfg, &opts)
	if err != nil {
		return nil, err
	}
	raw, err := dialTransport(ctx, cfg, transportOpts) // proxy.go: TCP, ProxyJump or ProxyCommand
	if err != nil {
		return nil, err
	}
	c, err := handshake(ctx, raw, cfg, opts)
	if err != nil {
		return nil, err
	}
	guard.start(c)
	return c, nil
}

// ConnectError reports that no TCP connection could be made to the server
// after every address and every ConnectionAttempts round was tried.
type ConnectError struct {
	Host string // the host name as given (cfg.HostName)
	Port int
	// Err is the failure of the last address tried, as OpenSSH reports the
	// last errno.
	Err error
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("ssh: connect to host %s port %d: %s", e.Host, e.Port, config.Strerror(e.Err))
}

func (e *ConnectError) Unwrap() error { return e.Err }

// dialTCP is OpenSSH's ssh_connect_direct: every address of the host in
// resolver order, ConnectionAttempts rounds one second apart, and the error
// of the last address tried.
func dialTCP(ctx context.Context, cfg *config.Config, log *sshlog.Logger) (net.Conn, error) {
	ips, err := resolve(ctx, cfg.HostName, cfg.AddressFamily)
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 0; attempt < max(cfg.ConnectionAttempts, 1); attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("ssh: connect to host %s port %d: %w", cfg.HostName, cfg.Port, context.Cause(ctx))
			case <-time.After(time.Second):
			}
			log.Logf(config.LogDebug1, "Trying again...")
		}
		for _, ip := range ips {
			log.Logf(config.LogDebug1, "Connecting to %s [%s] port %d.", cfg.HostName, ip, cfg.Port)
			conn, err := dialAddr(ctx, cfg, ip)
			if err == nil {
				log.Logf(config.LogDebug1, "Connection established.")
				return conn, nil
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("ssh: connect to host %s port %d: %w", cfg.HostName, cfg.Port, context.Cause(ctx))
			}
			log.Logf(config.LogDebug1, "connect to address %s port %d: %s", ip, cfg.Port, config.Strerror(err))
			last = err
		}
	}
	return nil, &ConnectError{Host: cfg.HostName, Port: cfg.Port, Err: last}
}

// dialAddr makes one TCP connection with the per-address ConnectTimeout,
// the configured source address and SO_KEEPALIVE as TCPKeepAlive says.
func dialAddr(ctx context.Context, cfg *config.Config, ip net.IP) (net.Conn, error) {
	d := net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: -1}
	if cfg.TCPKeepAlive {
		// Negative fields keep the kernel's intervals, as OpenSSH's bare
		// SO_KEEPALIVE does; Go's own default would probe every 15s.
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	}
	local, err := localAddr(ctx, cfg, ip)
	if err != nil {
		return nil, err
	}
	if local != nil {
		d.LocalAddr = local
	}
	return d.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), strconv.Itoa(cfg.Port)))
}

// localAddr is the source address for connecting to target: BindAddress,
// else the first address of BindInterface in target's family, else nil.
func localAddr(ctx context.Context, cfg *config.Config, target net.IP) (*net.TCPAddr, error) {
	v4 := target.To4() != nil
	sameFamily := func(ip net.IP) bool { return (ip.To4() != nil) == v4 }
	if cfg.BindAddress != "" {
		ips, err := resolve(ctx, cfg.BindAddress, "any")
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			if sameFamily(ip) {
				return &net.TCPAddr{IP: ip}, nil
			}
		}
		return nil, fmt.Errorf("BindAddress %s: %w", cfg.BindAddress, errNoAddress)
	}
	if cfg.BindInterface != "" {
		iface, err := net.InterfaceByName(cfg.BindInterface)
		if err != nil {
			return nil, fmt.Errorf("BindInterface: %w", err)
		}
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, fmt.Errorf("BindInterface %s: %w", cfg.BindInterface, err)
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && sameFamily(n.IP) {
				return &net.TCPAddr{IP: n.IP}, nil
			}
		}
		return nil, fmt.Errorf("BindInterface %s: %w", cfg.BindInterface, errNoAddress)
	}
	return nil, nil
}

// ResolveError reports that the host name could not be resolved.
type ResolveError struct {
	Host string
	Err  error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("ssh: Could not resolve hostname %s: %s", e.Host, gaiError(e.Err))
}

func (e *ResolveError) Unwrap() error { return e.Err }

// gaiError maps a resolver error to the gai_strerror(3) text glibc prints.
func gaiError(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return "Name or service not known"
		case dnsErr.IsTimeout, dnsErr.IsTemporary:
			return "Temporary failure in name resolution"
		}
		return dnsErr.Err
	}
	if errors.Is(err, errNoAddress) {
		return "Address family for hostname not supported"
	}
	return err.Error()
}

// errNoAddress is returned when the name resolves, but not to an address of
// the requested AddressFamily (getaddrinfo's EAI_ADDRFAMILY).
var errNoAddress = errors.New("no address of the requested family")

// resolve looks host up for AddressFamily ("any", "inet", "inet6").
func resolve(ctx context.Context, host, family string) ([]net.IP, error) {
	network := "ip"
	switch family {
	case "inet":
		network = "ip4"
	case "inet6":
		network = "ip6"
	}
	// An address literal of the other family is getaddrinfo's
	// EAI_ADDRFAMILY too (-6 to 127.0.0.1); Go's error would not say so.
	if ip := net.ParseIP(host); ip != nil && (family == "inet" && ip.To4() == nil || family == "inet6" && ip.To4() != nil) {
		return nil, &ResolveError{Host: host, Err: errNoAddress}
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, network, host)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		if found := nss.Fallback(ctx, host, family); len(found) > 0 {
			ips, err = found, nil
		}
	}
	if err != nil {
		return nil, &ResolveError{Host: host, Err: err}
	}
	if len(ips) == 0 {
		return nil, &ResolveError{Host: host, Err: errNoAddress}
	}
	return ips, nil
}

// handshake runs key exchange, host key verification and authentication
// on a connected socket.
func handshake(ctx context.Context, raw net.Conn, cfg *config.Config, opts DialOptions) (*Conn, error) {
	// kexlog logs the clear-text start of the connection at -v, in ssh's
	// order, and counts the bytes for the closing "Transferred:" line.
	observed := kexlog.Wrap(raw, kexlog.Options{Log: opts.Log, Host: cfg.HostName, Port: cfg.Port, User: cfg.User,
		RekeyBytes: observedRekeyBytes(cfg)})
	conn := net.Conn(observed)
	if opts.WrapConn != nil {
		conn = opts.WrapConn(conn)
	}
	// x/crypto reads and writes the connection on goroutines of its own:
	// gssh's wrappers (keepalive, bounds, banner watch) run there.
	watched := &bannerWatch{Conn: guardedConn{conn}}
	clock := &handshakeClock{conn: watched, on: cfg.ConnectTimeout > 0, left: cfg.ConnectTimeout}

	prompter := opts.Prompter
	if prompter != nil && !cfg.BatchMode {
		prompter = heldPrompter{p: prompter, clock: clock}
	} else {
		prompter = nil
	}
	home := opts.HomeDir
	if home == "" {
		if u, err := user.Current(); err == nil {
			home = u.HomeDir
		}
	}
	verifier := knownhosts.New(knownhosts.Options{Config: cfg, Log: opts.Log, Prompter: prompter, HomeDir: home, Command: opts.Command,
		Pause: func() func() { clock.hold(); return clock.start }})
	auth := newAuthenticator(cfg, opts.Log, prompter, verifier.Untrusted, raw.RemoteAddr())
	defer auth.close()
	hostKeyAlgos, err := verifier.HostKeyAlgorithms()
	if err != nil {
		raw.Close()
		return nil, err
	}

	if cfg.RekeyInterval > 0 {
		opts.Log.Logf(config.LogDebug1, "RekeyLimit: time limit %v not applied: x/crypto/ssh cannot start a key exchange on demand", cfg.RekeyInterval)
	}
	sshCfg := &ssh.ClientConfig{
		Config: ssh.Config{
			KeyExchanges:   cfg.KexAlgorithms,
			Ciphers:        cfg.Ciphers,
			MACs:           cfg.MACs,
			RekeyThreshold: rekeyThreshold(cfg),
		},
		User: cfg.User,
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			defer crash.Recover() // runs on x/crypto's key exchange goroutine
			kexlog.LogServerHostKey(opts.Log, key, cfg.FingerprintHash)
			return verifier.Check(host, remote, key)
		},
		HostKeyAlgorithms: hostKeyProposal(hostKeyAlgos),
		AuthCallback:      auth.next,
		ClientVersion:     ClientVersion,
		BannerCallback: func(msg string) error {
			if hasNUL(msg) {
				auth.fatal = errInvalidFormat
				return auth.fatal
			}
			auth.begin()
			// OpenSSH writes the banner with fmprintf rather than a
			// log call: no "\r\n" is added.
			opts.Log.Print(config.LogInfo, msg)
			return nil
		},
	}

	// Closing the socket is the only way to interrupt x/crypto's handshake.
	stop := context.AfterFunc(ctx, func() {
		defer crash.Recover()
		raw.Close()
	})
	clock.start()
	c, chans, reqs, err := ssh.NewClientConn(watched, raw.RemoteAddr().String(), sshCfg)
	clock.stop()
	if !stop() {
		if c != nil {
			c.Close()
		}
		return nil, fmt.Errorf("ssh: connection to %s port %d: %w", cfg.HostName, cfg.Port, context.Cause(ctx))
	}
	if err != nil {
		raw.Close()
		return nil, handshakeError(err, cfg, raw.RemoteAddr(), watched.gotBanner())
	}
	// Before the server's global requests are served and logged.
	auth.authenticated(raw.RemoteAddr())
	// The server's global requests are served here rather than by
	// x/crypto's Client, which refuses them all (hostkeys.go).
	global := &globalRequests{conn: c, verifier: verifier, prompter: opts.Prompter, log: opts.Log}
	if cfg.BatchMode {
		global.prompter = nil
	}
	if verifier.UpdateMode() == "ask" {
		global.settle(reqs)
	}
	crash.Go(func() { global.serve(reqs) })
	noRequests := make(chan *ssh.Request)
	close(noRequests)
	return &Conn{Client: ssh.NewClient(c, chans, noRequests), Config: cfg, HostKeyUntrusted: verifier.Untrusted(), global: global,
		traffic: observed}, nil
}

// TimeoutError reports that ConnectTimeout expired after the TCP
// connection was made: during the banner exchange (as in OpenSSH) or, since
// gssh applies ConnectTimeout to the whole handshake, during key exchange
// or authentication. Time spent waiting for the user at a prompt does not
// count.
type TimeoutError struct {
	// Host is the server's address, as OpenSSH names the peer of an
	// established connection (ssh_remote_ipaddr), not the host name.
	Host string
	Port int
	// Banner is true when the server had not sent its version line yet;
	// OpenSSH then prints an extra first line.
	Banner bool
	Err    error
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("Connection to %s port %d timed out", e.Host, e.Port)
	if e.Banner {
		// Two log calls in OpenSSH, so two "\r\n"-terminated lines.
		msg = "Connection timed out during banner exchange\r\n" + msg
	}
	return msg
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// ClosedError reports that the server closed or reset the connection
// during the handshake: ssh's "Connection closed by ADDR port P" (or
// "reset by"), preceded by the kex_exchange_identification line when it
// happened before the server's version line.
type ClosedError struct {
	Addr string // the server's IP address, as OpenSSH names the peer
	Port int
	// Reset is true for ECONNRESET rather than an orderly close.
	Reset bool
	// Banner is true when the server's version line had not arrived.
	Banner bool
	Err    error
}

func (e *ClosedError) Error() string {
	how, first := "closed", "kex_exchange_identification: Connection closed by remote host"
	if e.Reset {
		how, first = "reset", "kex_exchange_identification: read: Connection reset by peer"
	}
	msg := fmt.Sprintf("Connection %s by %s port %d", how, e.Addr, e.Port)
	if e.Banner {
		// Two log calls in OpenSSH.
		msg = first + "\r\n" + msg
	}
	return msg
}

func (e *ClosedError) Unwrap() error { return e.Err }

// handshakeError unwraps the typed errors our callbacks returned through
// x/crypto and classifies timeouts and dropped connections.
func handshakeError(err error, cfg *config.Config, remote net.Addr, banner bool) error {
	var hk *knownhosts.HostKeyError
	if errors.As(err, &hk) {
		return hk
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	var khc *knownhosts.CommandError
	if errors.As(err, &khc) {
		return khc
	}
	var small *knownhosts.KeySizeError
	if errors.As(err, &small) {
		return small
	}
	addr, port := peerID(remote, cfg)
	if errors.Is(err, errInvalidFormat) {
		return &InvalidFormatError{Addr: addr, Port: port}
	}
	if ne, ok := negotiationError(err, addr, port); ok {
		return ne
	}
	if reason, msg, ok := disconnectReason(err); ok {
		return &DisconnectedError{Addr: addr, Port: port, Reason: reason, Message: msg, Err: err}
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &TimeoutError{Host: addr, Port: port, Banner: !banner, Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return &ClosedError{Addr: addr, Port: port, Banner: !banner, Err: err}
	case errors.Is(err, syscall.ECONNRESET):
		return &ClosedError{Addr: addr, Port: port, Reset: true, Banner: !banner, Err: err}
	}
	return fmt.Errorf("ssh: connection to %s port %d: %w", cfg.HostName, cfg.Port, err)
}

// peerID is the server's address and port as ssh's messages name them.
func peerID(remote net.Addr, cfg *config.Config) (string, int) {
	addr, port := remoteIP(remote, cfg.HostName), cfg.Port
	if tcp, ok := remote.(*net.TCPAddr); ok && tcp.Port != 0 {
		port = tcp.Port
	}
	if _, ok := remote.(proxyAddr); ok { // proxy.go: ssh's get_peer_ipaddr on a pipe
		addr, port = "UNKNOWN", 65535
	}
	return addr, port
}

// disconnectText is the whole text of x/crypto's unexported disconnectMsg
// error ("ssh: disconnect, reason %d: %q"), the only way to recognise
// SSH_MSG_DISCONNECT from outside. The message is quoted with %q, so it
// cannot fake the end of the text.
var disconnectText = regexp.MustCompile(`\Assh: disconnect, reason (\d+): ("(?:[^"\\]|\\.)*")\z`)

// disconnectReason extracts the reason code and message of a disconnect
// anywhere in err's chain; only an error whose entire text has the form
// counts, so a message quoting the form elsewhere cannot pose as one.
func disconnectReason(err error) (uint32, string, bool) {
	for ; err != nil; err = errors.Unwrap(err) {
		m := disconnectText.FindStringSubmatch(err.Error())
		if m == nil {
			continue
		}
		reason, err1 := strconv.ParseUint(m[1], 10, 32)
		msg, err2 := strconv.Unquote(m[2])
		if err1 != nil || err2 != nil {
			return 0, "", false
		}
		return uint32(reason), msg, true
	}
	return 0, "", false
}

// remoteIP is the peer's address as OpenSSH's ssh_remote_ipaddr prints it
// (no brackets around IPv6), or fallback when the connection has none.
func remoteIP(addr net.Addr, fallback string) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP != nil {
		return tcp.IP.String()
	}
	return fallback
}

// guardedConn hands a panic in a read or write of the wrapped connection
// to the crash handler.
type guardedConn struct{ net.Conn }

func (c guardedConn) Read(p []byte) (int, error) {
	defer crash.Recover()
	return c.Conn.Read(p)
}

func (c guardedConn) Write(p []byte) (int, error) {
	defer crash.Recover()
	return c.Conn.Write(p)
}

// bannerWatch notes when the server's version line ("SSH-...") arrives,
// to tell a failure during the banner exchange from a later one. Lines the
// server may send before it do not count. x/crypto reads the version one
// byte at a time, so the line is seen whole.
type bannerWatch struct {
	net.Conn
	banner atomic.Bool
	line   []byte // the current line's start, until the banner is seen
}

func (w *bannerWatch) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if w.banner.Load() {
		return n, err
	}
	for _, b := range p[:n] {
		if b == '\n' {
			if bytes.HasPrefix(w.line, []byte("SSH-")) {
				w.banner.Store(true)
				break
			}
			w.line = w.line[:0]
		} else if len(w.line) < 4 {
			w.line = append(w.line, b)
		}
	}
	return n, err
}

func (w *bannerWatch) gotBanner() bool { return w.banner.Load() }

// handshakeClock enforces ConnectTimeout over the handshake with a socket
// deadline, stopped while the user is at a prompt so that typing a
// password is not a timeout.
type handshakeClock struct {
	conn  net.Conn
	on    bool // ConnectTimeout is set
	mu    sync.Mutex
	left  time.Duration // remaining budget
	since time.Time     // start of the running period; zero while held
}

func (c *handshakeClock) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		c.since = time.Now()
		c.conn.SetDeadline(c.since.Add(c.left))
	}
}

func (c *handshakeClock) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since.IsZero() {
		return
	}
	c.left -= time.Since(c.since)
	c.since = time.Time{}
	c.conn.SetDeadline(time.Time{})
}

func (c *handshakeClock) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = time.Time{}
	c.conn.SetDeadline(time.Time{})
}

// heldPrompter stops the handshake clock for the duration of each prompt.
type heldPrompter struct {
	p     tty.Prompter
	clock *handshakeClock
}

func (h heldPrompter) ReadPassword(prompt string) (string, error) {
	h.clock.hold()
	defer h.clock.start()
	return h.p.ReadPassword(prompt)
}

func (h heldPrompter) ReadLine(prompt string) (string, error) {
	h.clock.hold()
	defer h.clock.start()
	return h.p.ReadLine(prompt)
}
