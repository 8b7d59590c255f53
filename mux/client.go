//go:build unix

package mux

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// MaxPathLen is the longest control socket path a client can connect to:
// sun_path holds 108 bytes on Linux, including the terminating NUL that
// OpenSSH's strlcpy check counts.
const MaxPathLen = len(syscall.RawSockaddrUnix{}.Path) - 1

// PathTooLongError reports a ControlPath that does not fit in a Unix
// socket address. ssh says "ControlPath too long ('PATH' >= 108 bytes)".
type PathTooLongError struct {
	Path string
	// Limit is sizeof(sun_path), the number ssh prints.
	Limit int
}

// Error gives OpenSSH's message.
func (e *PathTooLongError) Error() string {
	return fmt.Sprintf("ControlPath too long ('%s' >= %d bytes)", e.Path, e.Limit)
}

// DialError reports that the control socket could not be connected to.
// Err is the errno: syscall.ENOENT means no master, syscall.ECONNREFUSED
// a stale socket whose master is gone.
type DialError struct {
	Path string
	Err  error
}

// Error gives the text of ssh's "Control socket connect(PATH): ..." without
// the errno's capital letter, which the runtime (controlmaster) adds.
func (e *DialError) Error() string {
	return fmt.Sprintf("Control socket connect(%s): %v", e.Path, e.Err)
}

// Unwrap returns the errno.
func (e *DialError) Unwrap() error { return e.Err }

// ReplyError is a master's refusal of a request: MUX_S_FAILURE or
// MUX_S_PERMISSION_DENIED with its reason.
type ReplyError struct {
	// Type is MsgFailure or MsgPermissionDenied.
	Type   MsgType
	Reason string
}

// Error gives the reason.
func (e *ReplyError) Error() string { return e.Reason }

// ProtocolError reports a master that broke the protocol: a wrong reply
// type, an out-of-sequence request id, a malformed frame, or a closed
// socket where a reply was due.
type ProtocolError struct {
	What string
	Err  error
}

// Error names what went wrong.
func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("mux: %s: %v", e.What, e.Err)
	}
	return "mux: " + e.What
}

// Unwrap returns the underlying error, if any.
func (e *ProtocolError) Unwrap() error { return e.Err }

// ErrNoExitMessage is returned by [Session.Wait] when the master closed
// the control connection without sending the session's exit status; ssh
// then exits 255.
var ErrNoExitMessage = errors.New("mux: control master closed the session without an exit status")

// Client is one control connection to a master, past the HELLO exchange.
// It sends one request at a time and reads the reply straight from the
// socket, never through a buffer (see the package comment). A Client is
// not safe for concurrent use.
type Client struct {
	conn *net.UnixConn
	next uint32 // the request id of the next request, as muxclient_request_id
	// Extensions are the ones the master's HELLO advertised.
	Extensions []Extension
}

// Dial connects to the master listening at path and exchanges HELLOs.
// Connection failures are *DialError, an over-long path *PathTooLongError,
// and a master that does not speak version 4 *ProtocolError.
func Dial(path string) (*Client, error) {
	if len(path) > MaxPathLen {
		return nil, &PathTooLongError{Path: path, Limit: MaxPathLen + 1}
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = errno
		}
		return nil, &DialError{Path: path, Err: err}
	}
	c := &Client{conn: conn}
	if err := c.hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// hello is mux_client_hello_exchange: ours first, then the master's.
func (c *Client) hello() error {
	if err := WriteMessage(c.conn, &Hello{Version: Version}); err != nil {
		return &ProtocolError{What: "send HELLO", Err: err}
	}
	m, err := ReadMessage(c.conn)
	if err != nil {
		return &ProtocolError{What: "read HELLO", Err: err}
	}
	h, ok := m.(*Hello)
	if !ok {
		return &ProtocolError{What: fmt.Sprintf("expected HELLO, got %v", m.Type())}
	}
	if h.Version != Version {
		return &ProtocolError{What: fmt.Sprintf("Unsupported multiplexing protocol version %d (expected %d)", h.Version, Version)}
	}
	c.Extensions = h.Extensions
	return nil
}

// Close closes the control connection. A master closes the session of a
// client that goes away.
func (c *Client) Close() error { return c.conn.Close() }

// request sends m (whose request id the caller set from c.next) and reads
// the reply, checking that it echoes the id. Failure and PermissionDenied
// come back as *ReplyError.
func (c *Client) request(m Message) (Message, error) {
	if err := WriteMessage(c.conn, m); err != nil {
		return nil, &ProtocolError{What: "send " + m.Type().String(), Err: err}
	}
	return c.reply()
}

// reply reads the answer to the request with id c.next and advances it.
func (c *Client) reply() (Message, error) {
	m, err := ReadMessage(c.conn)
	if err != nil {
		return nil, &ProtocolError{What: "read from master failed", Err: err}
	}
	var rid uint32
	switch r := m.(type) {
	case *OK:
		rid = r.RequestID
	case *Alive:
		rid = r.RequestID
	case *SessionOpened:
		rid = r.RequestID
	case *RemotePort:
		rid = r.RequestID
	case *InfoReply:
		rid = r.RequestID
	case *ProxyReply:
		rid = r.RequestID
	case *Failure:
		if r.RequestID != c.next {
			return nil, outOfSequence(c.next, r.RequestID)
		}
		c.next++
		return nil, &ReplyError{Type: MsgFailure, Reason: r.Reason}
	case *PermissionDenied:
		if r.RequestID != c.next {
			return nil, outOfSequence(c.next, r.RequestID)
		}
		c.next++
		return nil, &ReplyError{Type: MsgPermissionDenied, Reason: r.Reason}
	default:
		return nil, &ProtocolError{What: fmt.Sprintf("unexpected response from master %v", m.Type())}
	}
	if rid != c.next {
		return nil, outOfSequence(c.next, rid)
	}
	c.next++
	return m, nil
}

func outOfSequence(want, got uint32) error {
	return &ProtocolError{What: fmt.Sprintf("out of sequence reply: my id %d theirs %d", want, got)}
}

// AliveCheck asks for the master's pid (ssh -O check; session clients
// relay SIGWINCH to it).
func (c *Client) AliveCheck() (int, error) {
	m, err := c.request(&AliveCheck{RequestID: c.next})
	if err != nil {
		return 0, err
	}
	a, ok := m.(*Alive)
	if !ok {
		return 0, &ProtocolError{What: fmt.Sprintf("unexpected response from master %v", m.Type())}
	}
	return int(a.PID), nil
}

// Terminate asks the master to exit (ssh -O exit). A master that exits
// before its OK reaches the socket is a success too, as in mux.c.
func (c *Client) Terminate() error {
	_, err := c.request(&Terminate{RequestID: c.next})
	var pe *ProtocolError
	if errors.As(err, &pe) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)) {
		return nil
	}
	return err
}

// StopListening asks the master to stop accepting control connections
// (ssh -O stop).
func (c *Client) StopListening() error {
	_, err := c.request(&StopListening{RequestID: c.next})
	return err
}

// Forward asks the master to open (or, with cancel, close) a forwarding.
// For a remote forward with listen port 0 the allocated port is returned.
func (c *Client) Forward(f Forward, cancel bool) (uint32, error) {
	var req Message = &OpenForward{RequestID: c.next, Forward: f}
	if cancel {
		req = &CloseForward{RequestID: c.next, Forward: f}
	}
	m, err := c.request(req)
	if err != nil {
		return 0, err
	}
	if rp, ok := m.(*RemotePort); ok {
		return rp.Port, nil
	}
	return 0, nil
}

// Info asks a gssh master for a report ("conninfo" or "channels").
// OpenSSH 9.2 masters answer *ReplyError "unsupported request".
func (c *Client) Info(what string) (string, error) {
	m, err := c.request(&InfoRequest{RequestID: c.next, What: what})
	if err != nil {
		return "", err
	}
	r, ok := m.(*InfoReply)
	if !ok {
		return "", &ProtocolError{What: fmt.Sprintf("unexpected response from master %v", m.Type())}
	}
	return r.Text, nil
}

// Session is a session a master opened for this client.
type Session struct {
	c  *Client
	ID uint32
}

// NewSession sends req with the three descriptors and waits for
// SESSION_OPENED. The master duplicates the descriptors; the caller may
// close its own copies once NewSession returns.
func (c *Client) NewSession(req *NewSession, stdin, stdout, stderr int) (*Session, error) {
	req.RequestID = c.next
	if err := WriteMessage(c.conn, req); err != nil {
		return nil, &ProtocolError{What: "send " + req.Type().String(), Err: err}
	}
	for _, fd := range []int{stdin, stdout, stderr} {
		if err := SendFD(c.conn, fd); err != nil {
			return nil, &ProtocolError{What: "send fds failed", Err: err}
		}
	}
	m, err := c.reply()
	if err != nil {
		return nil, err
	}
	opened, ok := m.(*SessionOpened)
	if !ok {
		return nil, &ProtocolError{What: fmt.Sprintf("unexpected response from master %v", m.Type())}
	}
	return &Session{c: c, ID: opened.SessionID}, nil
}

// NewStdioForward asks the master to connect host:port and relay it over
// the two descriptors (ssh -W), waiting for SESSION_OPENED. The forward
// lasts until the master closes the control connection: see
// [Session.Wait].
func (c *Client) NewStdioForward(host string, port uint32, stdin, stdout int) (*Session, error) {
	req := &NewStdioForward{RequestID: c.next, ConnectHost: host, ConnectPort: port}
	if err := WriteMessage(c.conn, req); err != nil {
		return nil, &ProtocolError{What: "send " + req.Type().String(), Err: err}
	}
	for _, fd := range []int{stdin, stdout} {
		if err := SendFD(c.conn, fd); err != nil {
			return nil, &ProtocolError{What: "send fds failed", Err: err}
		}
	}
	m, err := c.reply()
	if err != nil {
		return nil, err
	}
	opened, ok := m.(*SessionOpened)
	if !ok {
		return nil, &ProtocolError{What: fmt.Sprintf("unexpected response from master %v", m.Type())}
	}
	return &Session{c: c, ID: opened.SessionID}, nil
}

// Wait reads the master's messages until it closes the connection, as
// mux_client_request_session does, and returns the exit status from
// EXIT_MESSAGE, or ErrNoExitMessage when none came. ttyFailed is called
// for TTY_ALLOC_FAIL, so that the caller can leave raw mode. Closing the
// Client from another goroutine (on a signal) ends Wait with an error.
func (s *Session) Wait(ttyFailed func()) (int, error) {
	status, seen := 255, false
	for {
		m, err := ReadMessage(s.c.conn)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 255, &ProtocolError{What: "read from master failed", Err: err}
		}
		switch m := m.(type) {
		case *TTYAllocFail:
			if m.SessionID != s.ID {
				return 255, &ProtocolError{What: fmt.Sprintf("tty alloc fail on unknown session: my id %d theirs %d", s.ID, m.SessionID)}
			}
			if ttyFailed != nil {
				ttyFailed()
			}
		case *ExitMessage:
			if m.SessionID != s.ID {
				return 255, &ProtocolError{What: fmt.Sprintf("exit on unknown session: my id %d theirs %d", s.ID, m.SessionID)}
			}
			if seen {
				return 255, &ProtocolError{What: "exitval sent twice"}
			}
			status, seen = int(m.ExitValue), true
		default:
			return 255, &ProtocolError{What: fmt.Sprintf("master returned unexpected message %v", m.Type())}
		}
	}
	if !seen {
		return 255, ErrNoExitMessage
	}
	return status, nil
}

// Proxy asks for proxy mode (MUX_C_PROXY, ssh -O proxy). After the
// master's MUX_S_PROXY the control connection carries the SSH connection
// protocol (package mux/proxy) and no more mux messages: the returned
// conn is the socket, and c must not be used again.
func (c *Client) Proxy() (net.Conn, error) {
	m, err := c.request(&ProxyRequest{RequestID: c.next})
	if err != nil {
		return nil, err
	}
	if _, ok := m.(*ProxyReply); !ok {
		return nil, &ProtocolError{What: fmt.Sprintf("master returned unexpected message %v", m.Type())}
	}
	return c.conn, nil
}
