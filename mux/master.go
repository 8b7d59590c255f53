//go:build unix

package mux

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Backend is the shared SSH connection, as a [Master] uses it. The master
// speaks the control protocol; the backend opens channels.
type Backend interface {
	// Session runs one passenger session until its channel closes and
	// returns the remote exit status. Until it calls r.Opened, an error
	// is reported to the client as FAILURE with the error's text; after
	// it, an error (no exit status: a signal, a lost connection) makes
	// the master close the control connection without EXIT_MESSAGE, so
	// the client exits 255. ctx is cancelled when the client goes away.
	Session(ctx context.Context, r *SessionRequest) (int, error)
	// StdioForward relays r's descriptors to a direct-tcpip channel (or
	// a Unix socket with PortStreamLocal) until either side closes,
	// calling r.Opened once the server accepted the channel.
	StdioForward(ctx context.Context, r *StdioRequest) error
	// Forward opens or, with cancel, closes a forwarding and returns the
	// allocated port of a remote forward with listen port 0. An error
	// wrapping ErrPermissionDenied is answered PERMISSION_DENIED,
	// any other FAILURE with the error's text.
	Forward(f Forward, cancel bool) (uint32, error)
	// Info answers -O conninfo ("conninfo") and -O channels ("channels").
	Info(what string) (string, error)
	// CheckUpstream returns nil when the SSH connection answers a
	// keepalive ([UpstreamCheck]), an error when it is lost or its
	// server stays silent for longer than the backend's budget: only
	// the backend knows its connection's round-trip time. ctx ends when
	// the client goes away, which is no verdict on the connection.
	CheckUpstream(ctx context.Context) error
}

// ProxyBackend is a [Backend] that also serves proxy clients
// (MUX_C_PROXY, ssh -O proxy). A master whose backend is not one answers
// MUX_C_PROXY with FAILURE.
type ProxyBackend interface {
	Backend
	// Proxy speaks the SSH connection protocol with the client on conn
	// (package mux/proxy) until either side ends it; ctx is cancelled
	// when the master closes.
	Proxy(ctx context.Context, conn net.Conn) error
}

// ErrPermissionDenied is what a Backend's Forward returns when the user
// refused the forwarding. Unlike the questions the Master asks itself,
// mux.c asks this one only for a forwarding not already open, which the
// Backend alone knows.
var ErrPermissionDenied = errors.New("mux: permission denied")

// SessionRequest is a NEW_SESSION with the descriptors that came with it.
type SessionRequest struct {
	*NewSession
	// Stdin, Stdout and Stderr are the client's descriptors, in
	// non-blocking mode while the session runs. When WantTTY is set Stdin
	// is normally the client's terminal: the pty's size and modes are read
	// from it (StdinFD).
	Stdin          PassedStdin
	Stdout, Stderr *os.File
	// StdinFD is Stdin's descriptor, for terminal ioctls: os.File.Fd
	// would put it back into blocking mode.
	StdinFD int
	// Resize receives a value when the window size may have changed (the
	// client relayed SIGWINCH to the master).
	Resize <-chan struct{}
	// Opened tells the client that the session is open (SESSION_OPENED).
	Opened func()
	// TTYFailed tells the client that the server refused the pty
	// (TTY_ALLOC_FAIL), so that it leaves raw mode.
	TTYFailed func()
	// CheckUpstream says the client armed a [SessionCheck]: if the
	// server does not confirm the session's channel within the
	// backend's budget (as for [Backend.CheckUpstream]), the backend
	// gives up and returns [ErrUpstreamNotResponding].
	CheckUpstream bool
	// Signals delivers the [SignalSession] requests for this session;
	// the backend sends each signal and reports on its Result.
	Signals <-chan Signal
}

// Signal is a request to signal a session's remote command.
type Signal struct {
	// Name is the signal without "SIG", as RFC 4254 §6.9 spells it.
	Name string
	// Result receives nil once the server accepted the signal, or why
	// not. It has room for one value.
	Result chan<- error
}

// StdioRequest is a NEW_STDIO_FWD with its two descriptors.
type StdioRequest struct {
	*NewStdioForward
	Stdin  PassedStdin
	Stdout *os.File
	Opened func()
}

// MasterOptions configure a [Master].
type MasterOptions struct {
	// Log receives the master's diagnostics, as OpenSSH's error() and
	// debug() lines; nil discards them.
	Log func(format string, args ...any)
	// Activity, when set, is called with the number of open sessions
	// (and stdio forwards) each time it changes: ControlPersist's idle
	// timer runs only while it is zero. Calls are serialised.
	Activity func(sessions int)
	// Extensions are advertised in the master's HELLO.
	Extensions []Extension
	// Ask, when set, is asked before a session, a stdio forward, an exit
	// or a stop-listening request is carried out (ControlMaster ask and
	// autoask), with mux.c's question naming Host; false answers
	// PERMISSION_DENIED "Permission denied".
	Ask func(question string) bool
	// Host is the server's name as Ask's questions give it (ssh's host).
	Host string
	// Go, when set, starts each goroutine of the master (one per control
	// connection and per session or stdio forward): gssh passes one that
	// hands a panic to its crash handler. nil uses a go statement.
	Go func(f func())
}

// ExistsError reports that the control socket path is taken, by a live
// master or anything else: ssh then says "ControlSocket PATH already
// exists, disabling multiplexing" and goes on without being a master.
type ExistsError struct{ Path string }

// Error gives OpenSSH's message.
func (e *ExistsError) Error() string {
	return fmt.Sprintf("ControlSocket %s already exists, disabling multiplexing", e.Path)
}

// ListenPathError reports a temporary socket path too long to bind;
// OpenSSH's unix_listener says `path "P" too long for Unix domain socket`
// and ssh exits 255.
type ListenPathError struct{ Path string }

// Error gives OpenSSH's message.
func (e *ListenPathError) Error() string {
	return fmt.Sprintf("unix_listener: path \"%s\" too long for Unix domain socket", e.Path)
}

// Master serves control connections on a socket: the ControlMaster side
// of PROTOCOL.mux. Each connection carries at most one session, run by
// the Backend on the shared SSH connection.
type Master struct {
	path  string
	ln    *net.UnixListener
	ident os.FileInfo // the socket inode, to remove only our own path
	opts  MasterOptions
	uid   int
	pid   int

	terminate chan struct{} // closed by the first TERMINATE
	termOnce  sync.Once
	stopped   chan struct{} // closed when the master stops listening

	mu        sync.Mutex
	listening bool
	closed    bool
	conns     map[*control]struct{}
	resizers  map[chan struct{}]struct{}
	live      map[uint32]*liveSession // open sessions by id, for SignalSession
	nextSID   uint32
	active    int
	wg        sync.WaitGroup // one per control connection
	activity  sync.Mutex     // serialises opts.Activity calls
}

// Listen creates the control socket at path the way muxserver_listen
// does: bind PATH.<16 random characters> with umask 0177, then hard-link
// it to PATH, so that of two racing masters exactly one wins (the other
// gets *ExistsError) and no client ever connects to a socket that is not
// yet listening.
func Listen(path string, opts MasterOptions) (*Master, error) {
	tmp := path + "." + randomSuffix()
	if len(tmp) > MaxPathLen {
		return nil, &ListenPathError{Path: tmp}
	}
	// umask is process-wide; it is held only for the bind, as in mux.c.
	old := unix.Umask(0o177)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	unix.Umask(old)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EINVAL) {
			return nil, &ExistsError{Path: tmp}
		}
		return nil, fmt.Errorf("mux: listen on %s: %w", tmp, err)
	}
	ln.SetUnlinkOnClose(false)
	ident, err := os.Lstat(tmp)
	if err == nil {
		err = os.Link(tmp, path)
	}
	os.Remove(tmp)
	if err != nil {
		ln.Close()
		if errors.Is(err, os.ErrExist) {
			return nil, &ExistsError{Path: path}
		}
		return nil, fmt.Errorf("mux: link mux listener %s => %s: %w", tmp, path, err)
	}
	return &Master{
		path:      path,
		ln:        ln,
		ident:     ident,
		opts:      opts,
		uid:       os.Getuid(),
		pid:       os.Getpid(),
		terminate: make(chan struct{}),
		stopped:   make(chan struct{}),
		listening: true,
		conns:     make(map[*control]struct{}),
		resizers:  make(map[chan struct{}]struct{}),
		live:      make(map[uint32]*liveSession),
	}, nil
}

// randomSuffix is mux.c's 16 characters from [a-zA-Z0-9].
func randomSuffix() string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// Path is the control socket's path.
func (m *Master) Path() string { return m.path }

// Terminated is closed when a client sent TERMINATE (ssh -O exit). The
// owner of the master then closes it and exits.
func (m *Master) Terminated() <-chan struct{} { return m.terminate }

// Stopped is closed once the master stops listening: -O stop, Close, or
// StopListening called by its owner. A -N master then exits when its last
// session has ended, as ssh's client loop does once no channel is left.
func (m *Master) Stopped() <-chan struct{} { return m.stopped }

// Serve accepts control connections until the master is closed or stops
// listening, serving each in its own goroutine with b. It returns nil
// then; connections already accepted keep being served until Close.
func (m *Master) Serve(b Backend) error {
	for {
		c, err := m.ln.AcceptUnix()
		if err != nil {
			m.mu.Lock()
			stopped := !m.listening
			m.mu.Unlock()
			if stopped {
				return nil
			}
			return fmt.Errorf("mux: accept: %w", err)
		}
		ctl := &control{m: m, conn: c, b: b}
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			c.Close()
			continue
		}
		m.conns[ctl] = struct{}{}
		m.wg.Add(1)
		m.mu.Unlock()
		m.spawn(ctl.serve)
	}
}

// spawn runs f on a new goroutine, through opts.Go when it is set.
func (m *Master) spawn(f func()) {
	if m.opts.Go != nil {
		m.opts.Go(f)
		return
	}
	go f()
}

// StopListening stops accepting control connections and removes the
// socket (ssh -O stop); sessions already running go on.
func (m *Master) StopListening() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.listening {
		return
	}
	m.listening = false
	m.ln.Close()
	m.removeSocket()
	close(m.stopped)
}

// removeSocket unlinks the path only while it is still this master's
// socket: a stale-socket replacement may have put another master there.
func (m *Master) removeSocket() {
	if fi, err := os.Lstat(m.path); err == nil && os.SameFile(fi, m.ident) {
		os.Remove(m.path)
	}
}

// Close stops listening, removes the socket and closes every control
// connection, so that each client exits 255 at once (the upstream
// connection is gone, or the master is exiting). It waits for the
// connections' goroutines; the backend must already be failing their
// sessions (its connection closed) or they must be ending.
func (m *Master) Close() error {
	m.StopListening()
	m.mu.Lock()
	m.closed = true
	for c := range m.conns {
		c.conn.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return nil
}

// Sessions is the number of sessions and stdio forwards open now.
func (m *Master) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.active
}

// WindowChanged tells every pty session to re-read its window size; call
// it on SIGWINCH, which clients relay to the master's pid.
func (m *Master) WindowChanged() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for ch := range m.resizers {
		select {
		case ch <- struct{}{}:
		default: // one pending notice is enough: the size is read afresh
		}
	}
}

// allowed asks opts.Ask, if set, the question format with args, or with
// the host when there are none.
func (m *Master) allowed(format string, args ...any) bool {
	if m.opts.Ask == nil {
		return true
	}
	if len(args) == 0 {
		args = []any{m.opts.Host}
	}
	return m.opts.Ask(fmt.Sprintf(format, args...))
}

func (m *Master) logf(format string, args ...any) {
	if m.opts.Log != nil {
		m.opts.Log(format, args...)
	}
}

// sessionStarted and sessionEnded keep the count for Activity.
func (m *Master) sessionDelta(d int) {
	m.activity.Lock()
	defer m.activity.Unlock()
	m.mu.Lock()
	m.active += d
	n := m.active
	m.mu.Unlock()
	if m.opts.Activity != nil {
		m.opts.Activity(n)
	}
}

// control is one accepted control connection.
type control struct {
	m    *Master
	conn *net.UnixConn
	b    Backend

	wmu       sync.Mutex // one frame at a time from the session goroutine and the loop
	closeOnce sync.Once
	busy      bool // a session or stdio forward was started on it
	// sessionCheck says a SessionCheck was armed for the next session.
	sessionCheck bool
}

func (c *control) write(msg Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return WriteMessage(c.conn, msg)
}

func (c *control) close() { c.closeOnce.Do(func() { c.conn.Close() }) }

// serve is mux_master_read_cb for one connection: peer check, HELLO both
// ways, then requests until the client goes away.
func (c *control) serve() {
	m := c.m
	ctx, cancel := context.WithCancel(context.Background())
	var sessions sync.WaitGroup
	defer func() {
		cancel()
		sessions.Wait()
		c.close()
		m.mu.Lock()
		delete(m.conns, c)
		m.mu.Unlock()
		m.wg.Done()
	}()

	uid, err := PeerUID(c.conn)
	if err != nil {
		m.logf("getpeereid failed: %v", err)
		return
	}
	if uid != 0 && uid != m.uid {
		m.logf("multiplex uid mismatch: peer euid %d != uid %d", uid, m.uid)
		return
	}
	exts := append(append([]Extension(nil), m.opts.Extensions...), Extension{Name: ExtSignal}, Extension{Name: ExtUpstreamCheck}, Extension{Name: ExtSessionCheck})
	if err := c.write(&Hello{Version: Version, Extensions: exts}); err != nil {
		return
	}
	first, err := ReadMessage(c.conn)
	if err != nil {
		return
	}
	h, ok := first.(*Hello)
	if !ok {
		m.logf("mux_master_read_cb: expected MUX_MSG_HELLO(0x%08x), received 0x%08x", uint32(MsgHello), uint32(first.Type()))
		return
	}
	if h.Version != Version {
		m.logf("mux_master_process_hello: unsupported multiplexing protocol version %d (expected %d)", h.Version, Version)
		return
	}
	for {
		msg, err := ReadMessage(c.conn)
		if err != nil {
			var unknown *UnknownTypeError
			if errors.As(err, &unknown) && unknown.HasRequestID {
				m.logf("mux_master_read_cb: unsupported mux message 0x%08x", uint32(unknown.Type))
				if c.write(&Failure{RequestID: unknown.RequestID, Reason: "unsupported request"}) != nil {
					return
				}
				continue
			}
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				m.logf("mux_master_read_cb: %v", err)
			}
			return
		}
		if !c.handle(ctx, msg, &sessions) {
			return
		}
	}
}

// handle answers one request; false drops the connection, as a -1 from
// mux.c's handlers does.
func (c *control) handle(ctx context.Context, msg Message, sessions *sync.WaitGroup) bool {
	m := c.m
	var reply Message
	switch r := msg.(type) {
	case *Hello:
		m.logf("mux_master_process_hello: HELLO received twice")
		return false
	case *AliveCheck:
		reply = &Alive{RequestID: r.RequestID, PID: uint32(m.pid)}
	case *Terminate:
		if !m.allowed("Terminate shared connection to %s? ") {
			reply = &PermissionDenied{RequestID: r.RequestID, Reason: "Permission denied"}
			break
		}
		if c.write(&OK{RequestID: r.RequestID}) != nil {
			return false
		}
		m.termOnce.Do(func() { close(m.terminate) })
		return true
	case *StopListening:
		if !m.allowed("Disable further multiplexing on shared connection to %s? ") {
			reply = &PermissionDenied{RequestID: r.RequestID, Reason: "Permission denied"}
			break
		}
		m.StopListening()
		reply = &OK{RequestID: r.RequestID}
	case *OpenForward:
		reply = c.forward(r.RequestID, r.Forward, false)
	case *CloseForward:
		reply = c.forward(r.RequestID, r.Forward, true)
	case *InfoRequest:
		text, err := c.b.Info(r.What)
		if err != nil {
			reply = &Failure{RequestID: r.RequestID, Reason: err.Error()}
		} else {
			reply = &InfoReply{RequestID: r.RequestID, Text: text}
		}
	case *SignalSession:
		reply = m.signalSession(r)
	case *UpstreamCheck:
		reply = c.upstreamCheck(ctx, r)
	case *SessionCheck:
		c.sessionCheck = true
		reply = &OK{RequestID: r.RequestID}
	case *NewSession:
		return c.newSession(ctx, r, sessions)
	case *NewStdioForward:
		return c.newStdioForward(ctx, r, sessions)
	case *ProxyRequest:
		return c.proxy(ctx, r)
	default:
		m.logf("mux_master_read_cb: unexpected mux message %v", msg.Type())
		return false
	}
	return c.write(reply) == nil
}

func (c *control) forward(rid uint32, f Forward, cancel bool) Message {
	port, err := c.b.Forward(f, cancel)
	switch {
	case errors.Is(err, ErrPermissionDenied):
		return &PermissionDenied{RequestID: rid, Reason: "Permission denied"}
	case err != nil:
		return &Failure{RequestID: rid, Reason: err.Error()}
	case !cancel && f.Kind == ForwardRemote && f.ListenPort == 0:
		return &RemotePort{RequestID: rid, Port: port}
	}
	return &OK{RequestID: rid}
}

// receiveFiles reads n passed descriptors and makes them non-blocking
// files; restore puts back each descriptor's blocking mode (the open file
// description is shared with the client, whose shell reads the same
// terminal afterwards) and closes them.
func (c *control) receiveFiles(n int) (files []*os.File, fds []int, restore func(), err error) {
	type held struct {
		f        *os.File
		fd       int
		blocking bool
	}
	var got []held
	restore = func() {
		for _, h := range got {
			if h.blocking {
				unix.SetNonblock(h.fd, false)
			}
			h.f.Close()
		}
	}
	for i := 0; i < n; i++ {
		fd, err := ReceiveFD(c.conn)
		if err != nil {
			restore()
			return nil, nil, func() {}, fmt.Errorf("failed to receive fd %d from client: %w", i, err)
		}
		flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		blocking := flags&unix.O_NONBLOCK == 0
		// Non-blocking, the descriptor joins Go's poller, so that reads
		// can be interrupted when the session ends.
		unix.SetNonblock(fd, true)
		names := [...]string{"stdin", "stdout", "stderr"}
		f := os.NewFile(uintptr(fd), "client "+names[i])
		got = append(got, held{f, fd, blocking})
		files = append(files, f)
		fds = append(fds, fd)
	}
	return files, fds, restore, nil
}

// proxy is mux_master_process_proxy: MUX_S_PROXY, then the socket
// belongs to the backend's connection protocol until the client goes.
// Like a session, a proxy client keeps the master busy (Activity).
func (c *control) proxy(ctx context.Context, r *ProxyRequest) bool {
	pb, ok := c.b.(ProxyBackend)
	if !ok || c.busy {
		return c.write(&Failure{RequestID: r.RequestID, Reason: "proxy mode not supported"}) == nil
	}
	if c.write(&ProxyReply{RequestID: r.RequestID}) != nil {
		return false
	}
	c.busy = true
	c.m.sessionDelta(1)
	defer c.m.sessionDelta(-1)
	if err := pb.Proxy(ctx, c.conn); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.m.logf("mux_master_process_proxy: %v", err)
	}
	return false
}

// newSession is mux_master_process_new_session plus mux_session_confirm
// and the exit message, with the session in its own goroutine so that the
// loop notices a client that goes away.
func (c *control) newSession(ctx context.Context, r *NewSession, sessions *sync.WaitGroup) bool {
	m := c.m
	files, fds, restore, err := c.receiveFiles(3)
	if err != nil {
		m.logf("mux_master_process_new_session: %v", err)
		c.write(&Failure{RequestID: r.RequestID, Reason: "did not receive file descriptors"})
		return false
	}
	if c.busy {
		restore()
		return c.write(&Failure{RequestID: r.RequestID, Reason: "Multiple sessions not supported"}) == nil
	}
	if !m.allowed("Allow shared connection to %s? ") {
		restore()
		return c.write(&PermissionDenied{RequestID: r.RequestID, Reason: "Permission denied"}) == nil
	}
	c.busy = true
	resize := make(chan struct{}, 1)
	sid := m.newSID(resize, r.WantTTY)
	live := m.addLive(sid)
	req := &SessionRequest{
		Signals:    live.signals,
		NewSession: r,
		Stdin:      passedStdin{files[0], fds[0]}, Stdout: files[1], Stderr: files[2],
		StdinFD:       fds[0],
		Resize:        resize,
		TTYFailed:     func() { c.write(&TTYAllocFail{SessionID: sid}) },
		CheckUpstream: c.sessionCheck,
	}
	var opened atomic.Bool
	req.Opened = func() {
		opened.Store(true)
		c.write(&SessionOpened{RequestID: r.RequestID, SessionID: sid})
	}
	sessions.Add(1)
	m.sessionDelta(1)
	m.spawn(func() {
		defer sessions.Done()
		defer m.sessionDelta(-1)
		defer m.dropResizer(resize)
		defer m.dropLive(sid, live)
		status, err := c.b.Session(ctx, req)
		// The descriptors go before the control connection: a client's
		// caller reading its stdout must see EOF once the client exits.
		restore()
		switch {
		case errors.Is(err, ErrUpstreamNotResponding) && !opened.Load():
			// Retire, as a client does after a failed UpstreamCheck:
			// no socket for the next client to find, and an exit.
			m.StopListening()
			c.write(&Failure{RequestID: r.RequestID, Reason: ErrUpstreamNotResponding.Error()})
			m.termOnce.Do(func() { close(m.terminate) })
		case err != nil && !opened.Load():
			c.write(&Failure{RequestID: r.RequestID, Reason: err.Error()})
		case err == nil:
			c.write(&ExitMessage{SessionID: sid, ExitValue: uint32(status)})
		}
		c.close()
	})
	return true
}

// newStdioForward is mux_master_process_stdio_fwd.
func (c *control) newStdioForward(ctx context.Context, r *NewStdioForward, sessions *sync.WaitGroup) bool {
	m := c.m
	files, fds, restore, err := c.receiveFiles(2)
	if err != nil {
		m.logf("mux_master_process_stdio_fwd: %v", err)
		c.write(&Failure{RequestID: r.RequestID, Reason: "did not receive file descriptors"})
		return false
	}
	if c.busy {
		restore()
		return c.write(&Failure{RequestID: r.RequestID, Reason: "Multiple sessions not supported"}) == nil
	}
	if !m.allowed("Allow forward to %s:%d? ", r.ConnectHost, r.ConnectPort) {
		restore()
		return c.write(&PermissionDenied{RequestID: r.RequestID, Reason: "Permission denied"}) == nil
	}
	c.busy = true
	sid := m.newSID(nil, false)
	var opened atomic.Bool
	req := &StdioRequest{NewStdioForward: r, Stdin: passedStdin{files[0], fds[0]}, Stdout: files[1]}
	req.Opened = func() {
		opened.Store(true)
		c.write(&SessionOpened{RequestID: r.RequestID, SessionID: sid})
	}
	sessions.Add(1)
	m.sessionDelta(1)
	m.spawn(func() {
		defer sessions.Done()
		defer m.sessionDelta(-1)
		err := c.b.StdioForward(ctx, req)
		restore()
		if err != nil && !opened.Load() {
			c.write(&Failure{RequestID: r.RequestID, Reason: err.Error()})
		}
		c.close()
	})
	return true
}

// newSID numbers a session and, for a pty, registers its resize channel.
func (m *Master) newSID(resize chan struct{}, pty bool) uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextSID++
	if pty && resize != nil {
		m.resizers[resize] = struct{}{}
	}
	return m.nextSID
}

func (m *Master) dropResizer(ch chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.resizers, ch)
}
