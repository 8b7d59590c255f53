package mux

import "fmt"

// Version is the protocol version this package speaks; both sides send it
// in their HELLO and OpenSSH refuses any other.
const Version = 4

// NoEscapeChar is the NEW_SESSION escape character meaning "no escape
// character" (EscapeChar none).
const NoEscapeChar uint32 = 0xffffffff

// PortStreamLocal, as a forwarding port, says that the matching host field
// is a Unix socket path rather than a host name (PORT_STREAMLOCAL, -2 as
// an unsigned int).
const PortStreamLocal uint32 = 0xfffffffe

// MsgType is the uint32 that starts every payload.
type MsgType uint32

// Message types, with mux.c's names. MsgHello goes both ways; the
// 0x1000xxxx types go from client to master and the 0x8000xxxx types from
// master to client.
const (
	MsgHello            MsgType = 0x00000001 // MUX_MSG_HELLO
	MsgNewSession       MsgType = 0x10000002 // MUX_C_NEW_SESSION
	MsgAliveCheck       MsgType = 0x10000004 // MUX_C_ALIVE_CHECK
	MsgTerminate        MsgType = 0x10000005 // MUX_C_TERMINATE
	MsgOpenForward      MsgType = 0x10000006 // MUX_C_OPEN_FWD
	MsgCloseForward     MsgType = 0x10000007 // MUX_C_CLOSE_FWD
	MsgNewStdioForward  MsgType = 0x10000008 // MUX_C_NEW_STDIO_FWD
	MsgStopListening    MsgType = 0x10000009 // MUX_C_STOP_LISTENING
	MsgProxyRequest     MsgType = 0x1000000f // MUX_C_PROXY
	MsgInfoRequest      MsgType = 0x10000100 // gssh: -O conninfo, -O channels
	MsgSignalSession    MsgType = 0x10000101 // gssh: signal a session's remote command (ExtSignal)
	MsgUpstreamCheck    MsgType = 0x10000102 // gssh: probe the master's SSH connection (ExtUpstreamCheck)
	MsgSessionCheck     MsgType = 0x10000103 // gssh: probe it with the next session's channel open (ExtSessionCheck)
	MsgOK               MsgType = 0x80000001 // MUX_S_OK
	MsgPermissionDenied MsgType = 0x80000002 // MUX_S_PERMISSION_DENIED
	MsgFailure          MsgType = 0x80000003 // MUX_S_FAILURE
	MsgExitMessage      MsgType = 0x80000004 // MUX_S_EXIT_MESSAGE
	MsgAlive            MsgType = 0x80000005 // MUX_S_ALIVE
	MsgSessionOpened    MsgType = 0x80000006 // MUX_S_SESSION_OPENED
	MsgRemotePort       MsgType = 0x80000007 // MUX_S_REMOTE_PORT
	MsgTTYAllocFail     MsgType = 0x80000008 // MUX_S_TTY_ALLOC_FAIL
	MsgProxyReply       MsgType = 0x8000000f // MUX_S_PROXY
	MsgInfoReply        MsgType = 0x80000100 // gssh: answer to MsgInfoRequest
)

// String returns mux.c's name for t, or its number in hex, which is how
// OpenSSH logs unknown types.
func (t MsgType) String() string {
	switch t {
	case MsgHello:
		return "MUX_MSG_HELLO"
	case MsgNewSession:
		return "MUX_C_NEW_SESSION"
	case MsgAliveCheck:
		return "MUX_C_ALIVE_CHECK"
	case MsgTerminate:
		return "MUX_C_TERMINATE"
	case MsgOpenForward:
		return "MUX_C_OPEN_FWD"
	case MsgCloseForward:
		return "MUX_C_CLOSE_FWD"
	case MsgNewStdioForward:
		return "MUX_C_NEW_STDIO_FWD"
	case MsgStopListening:
		return "MUX_C_STOP_LISTENING"
	case MsgProxyRequest:
		return "MUX_C_PROXY"
	case MsgInfoRequest:
		return "MUX_C_INFO"
	case MsgSignalSession:
		return "MUX_C_SIGNAL_SESSION"
	case MsgUpstreamCheck:
		return "MUX_C_UPSTREAM_CHECK"
	case MsgSessionCheck:
		return "MUX_C_SESSION_CHECK"
	case MsgOK:
		return "MUX_S_OK"
	case MsgPermissionDenied:
		return "MUX_S_PERMISSION_DENIED"
	case MsgFailure:
		return "MUX_S_FAILURE"
	case MsgExitMessage:
		return "MUX_S_EXIT_MESSAGE"
	case MsgAlive:
		return "MUX_S_ALIVE"
	case MsgSessionOpened:
		return "MUX_S_SESSION_OPENED"
	case MsgRemotePort:
		return "MUX_S_REMOTE_PORT"
	case MsgTTYAllocFail:
		return "MUX_S_TTY_ALLOC_FAIL"
	case MsgProxyReply:
		return "MUX_S_PROXY"
	case MsgInfoReply:
		return "MUX_S_INFO"
	}
	return fmt.Sprintf("0x%08x", uint32(t))
}

// newMessage returns an empty message of type t for Decode to fill, or nil
// when t is unknown.
func newMessage(t MsgType) Message {
	switch t {
	case MsgHello:
		return new(Hello)
	case MsgNewSession:
		return new(NewSession)
	case MsgAliveCheck:
		return new(AliveCheck)
	case MsgTerminate:
		return new(Terminate)
	case MsgOpenForward:
		return new(OpenForward)
	case MsgCloseForward:
		return new(CloseForward)
	case MsgNewStdioForward:
		return new(NewStdioForward)
	case MsgStopListening:
		return new(StopListening)
	case MsgProxyRequest:
		return new(ProxyRequest)
	case MsgInfoRequest:
		return new(InfoRequest)
	case MsgSignalSession:
		return new(SignalSession)
	case MsgUpstreamCheck:
		return new(UpstreamCheck)
	case MsgSessionCheck:
		return new(SessionCheck)
	case MsgOK:
		return new(OK)
	case MsgPermissionDenied:
		return new(PermissionDenied)
	case MsgFailure:
		return new(Failure)
	case MsgExitMessage:
		return new(ExitMessage)
	case MsgAlive:
		return new(Alive)
	case MsgSessionOpened:
		return new(SessionOpened)
	case MsgRemotePort:
		return new(RemotePort)
	case MsgTTYAllocFail:
		return new(TTYAllocFail)
	case MsgProxyReply:
		return new(ProxyReply)
	case MsgInfoReply:
		return new(InfoReply)
	}
	return nil
}

// Message is one PROTOCOL.mux message. The set is closed: only the
// pointer types in this package implement it, and [Decode] returns them.
type Message interface {
	// Type is the number that starts the message's payload.
	Type() MsgType
	encode(*encoder)
	decode(*decoder)
}

// Extension is a HELLO name/value pair. OpenSSH defines none and skips
// the ones it does not know; the value is opaque bytes.
type Extension struct {
	Name  string
	Value string
}

// Hello is MUX_MSG_HELLO, the first message each side sends: the master as
// soon as it accepts, the client right after connecting.
type Hello struct {
	Version    uint32
	Extensions []Extension
}

// NewSession is MUX_C_NEW_SESSION, which asks the master for a session
// channel. The client sends its stdin, stdout and stderr descriptors right
// after it, one [SendFD] each. The master replies with [SessionOpened],
// [PermissionDenied] or [Failure], and later [ExitMessage].
type NewSession struct {
	RequestID uint32
	WantTTY   bool
	WantX11   bool
	WantAgent bool
	// Subsystem says that Command names a subsystem (ssh -s).
	Subsystem bool
	// EscapeChar is the escape character the master should honour when a
	// tty is requested, or NoEscapeChar.
	EscapeChar uint32
	Term       string
	Command    string
	// Env holds NAME=VALUE strings from SendEnv and SetEnv; the master
	// keeps those its own SendEnv permits.
	Env []string
}

// AliveCheck is MUX_C_ALIVE_CHECK; the master answers [Alive] with its
// pid. ssh -O check uses it, and so does every session client, which
// relays SIGWINCH to that pid.
type AliveCheck struct{ RequestID uint32 }

// Terminate is MUX_C_TERMINATE (ssh -O exit); the master answers [OK] or
// [PermissionDenied] and exits, often before the OK is written.
type Terminate struct{ RequestID uint32 }

// ForwardKind is the "forwarding type" field of OPEN_FWD and CLOSE_FWD.
// (Go calls it Kind so that it does not collide with the messages' Type
// method.)
type ForwardKind uint32

// Forwarding kinds (MUX_FWD_*). The codec accepts any other value and
// leaves the check to the master: mux.c intends to answer FAILURE
// "Invalid forwarding request", although OpenSSH 9.2 reaches a fatal()
// in format_forward first and the whole master exits.
const (
	ForwardLocal   ForwardKind = 1 // -L
	ForwardRemote  ForwardKind = 2 // -R
	ForwardDynamic ForwardKind = 3 // -D
)

// String names the kind of forwarding, as OpenSSH's log messages do.
func (k ForwardKind) String() string {
	switch k {
	case ForwardLocal:
		return "local"
	case ForwardRemote:
		return "remote"
	case ForwardDynamic:
		return "dynamic"
	}
	return fmt.Sprintf("forward type %d", uint32(k))
}

// Forward describes one forwarding in OPEN_FWD and CLOSE_FWD. A port of
// PortStreamLocal makes the matching host a Unix socket path. An empty
// host stands for "not given" (OpenSSH's NULL); a listen host of "*"
// means all addresses. Ports are 0–65535 or PortStreamLocal.
type Forward struct {
	Kind        ForwardKind
	ListenHost  string
	ListenPort  uint32
	ConnectHost string
	ConnectPort uint32
}

func (f *Forward) encode(e *encoder) {
	e.uint32(uint32(f.Kind))
	e.text("listen host", f.ListenHost)
	e.port("listen port", f.ListenPort, 65535)
	e.text("connect host", f.ConnectHost)
	e.port("connect port", f.ConnectPort, 65535)
}

func (f *Forward) decode(d *decoder) {
	f.Kind = ForwardKind(d.uint32("forwarding type"))
	f.ListenHost = d.text("listen host")
	f.ListenPort = d.port("listen port", 65535)
	f.ConnectHost = d.text("connect host")
	f.ConnectPort = d.port("connect port", 65535)
}

// OpenForward is MUX_C_OPEN_FWD (ssh -O forward, and the -L/-R/-D of a
// session client). The master answers [OK], [RemotePort] for a remote
// forward with listen port 0, [PermissionDenied] or [Failure].
type OpenForward struct {
	RequestID uint32
	Forward
}

// CloseForward is MUX_C_CLOSE_FWD (ssh -O cancel); the master answers
// [OK], [PermissionDenied] or [Failure].
type CloseForward struct {
	RequestID uint32
	Forward
}

// NewStdioForward is MUX_C_NEW_STDIO_FWD (ssh -W through a master). The
// client sends its stdin and stdout descriptors after it; the master
// answers [SessionOpened], [PermissionDenied] or [Failure].
type NewStdioForward struct {
	RequestID   uint32
	ConnectHost string
	// ConnectPort is a port or PortStreamLocal. mux.c accepts any value up
	// to 2³¹−1 here and leaves range checks to the channel code.
	ConnectPort uint32
}

// StopListening is MUX_C_STOP_LISTENING (ssh -O stop): the master stops
// accepting control connections but keeps serving the ones it has.
type StopListening struct{ RequestID uint32 }

// ProxyRequest is MUX_C_PROXY (ssh -O proxy). After the [ProxyReply] the
// socket carries unencrypted SSH connection-protocol packets instead of
// mux frames.
type ProxyRequest struct{ RequestID uint32 }

// InfoRequest asks a gssh master for a report on its connection
// (What "conninfo") or its open channels ("channels"): ssh -O conninfo and
// -O channels, which OpenSSH 10.3 added. The type number is gssh's own, in
// a range mux.c does not use; an OpenSSH master answers [Failure]
// "unsupported request", and a gssh master answers [InfoReply].
type InfoRequest struct {
	RequestID uint32
	What      string
}

// InfoReply is a gssh master's answer to [InfoRequest]: the report as
// text, one item per line.
type InfoReply struct {
	RequestID uint32
	Text      string
}

// OK is MUX_S_OK, success with nothing to report.
type OK struct{ RequestID uint32 }

// PermissionDenied is MUX_S_PERMISSION_DENIED, sent when the user refused
// a request at an "ask" master's prompt.
type PermissionDenied struct {
	RequestID uint32
	Reason    string
}

// Failure is MUX_S_FAILURE. It is also the reply to an unknown request
// type, with reason "unsupported request".
type Failure struct {
	RequestID uint32
	Reason    string
}

// ExitMessage is MUX_S_EXIT_MESSAGE: the session's exit status, which the
// client exits with. It is keyed by session id, not request id.
type ExitMessage struct {
	SessionID uint32
	ExitValue uint32
}

// Alive is MUX_S_ALIVE, the answer to [AliveCheck].
type Alive struct {
	RequestID uint32
	PID       uint32
}

// SessionOpened is MUX_S_SESSION_OPENED, sent once the server has
// confirmed the session (or stdio-forward) channel; SessionID is the
// master's channel number.
type SessionOpened struct {
	RequestID uint32
	SessionID uint32
}

// RemotePort is MUX_S_REMOTE_PORT: the port the server allocated for a
// remote forward requested with listen port 0 (ssh -O forward prints it).
type RemotePort struct {
	RequestID uint32
	Port      uint32
}

// TTYAllocFail is MUX_S_TTY_ALLOC_FAIL: the server refused the pty, so the
// client should take its terminal out of raw mode.
type TTYAllocFail struct{ SessionID uint32 }

// ProxyReply is MUX_S_PROXY, the master's acceptance of [ProxyRequest].
type ProxyReply struct{ RequestID uint32 }

// Type returns MsgHello.
func (*Hello) Type() MsgType { return MsgHello }

// Type returns MsgNewSession.
func (*NewSession) Type() MsgType { return MsgNewSession }

// Type returns MsgAliveCheck.
func (*AliveCheck) Type() MsgType { return MsgAliveCheck }

// Type returns MsgTerminate.
func (*Terminate) Type() MsgType { return MsgTerminate }

// Type returns MsgOpenForward.
func (*OpenForward) Type() MsgType { return MsgOpenForward }

// Type returns MsgCloseForward.
func (*CloseForward) Type() MsgType { return MsgCloseForward }

// Type returns MsgNewStdioForward.
func (*NewStdioForward) Type() MsgType { return MsgNewStdioForward }

// Type returns MsgStopListening.
func (*StopListening) Type() MsgType { return MsgStopListening }

// Type returns MsgProxyRequest.
func (*ProxyRequest) Type() MsgType { return MsgProxyRequest }

// Type returns MsgInfoRequest.
func (*InfoRequest) Type() MsgType { return MsgInfoRequest }

// Type returns MsgInfoReply.
func (*InfoReply) Type() MsgType { return MsgInfoReply }

// Type returns MsgOK.
func (*OK) Type() MsgType { return MsgOK }

// Type returns MsgPermissionDenied.
func (*PermissionDenied) Type() MsgType { return MsgPermissionDenied }

// Type returns MsgFailure.
func (*Failure) Type() MsgType { return MsgFailure }

// Type returns MsgExitMessage.
func (*ExitMessage) Type() MsgType { return MsgExitMessage }

// Type returns MsgAlive.
func (*Alive) Type() MsgType { return MsgAlive }

// Type returns MsgSessionOpened.
func (*SessionOpened) Type() MsgType { return MsgSessionOpened }

// Type returns MsgRemotePort.
func (*RemotePort) Type() MsgType { return MsgRemotePort }

// Type returns MsgTTYAllocFail.
func (*TTYAllocFail) Type() MsgType { return MsgTTYAllocFail }

// Type returns MsgProxyReply.
func (*ProxyReply) Type() MsgType { return MsgProxyReply }

// The field lists below follow mux.c's mux_client_* writers and
// mux_master_process_* readers, in order. The field names passed to the
// encoder and decoder appear in error messages.

func (m *Hello) encode(e *encoder) {
	e.uint32(m.Version)
	for _, x := range m.Extensions {
		e.text("extension name", x.Name)
		e.bytes(x.Value)
	}
}

func (m *Hello) decode(d *decoder) {
	m.Version = d.uint32("version")
	for d.more() {
		x := Extension{Name: d.text("extension name"), Value: d.bytes("extension value")}
		if d.err == nil {
			m.Extensions = append(m.Extensions, x)
		}
	}
}

func (m *NewSession) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.bytes("") // reserved
	e.bool(m.WantTTY)
	e.bool(m.WantX11)
	e.bool(m.WantAgent)
	e.bool(m.Subsystem)
	e.uint32(m.EscapeChar)
	e.text("terminal type", m.Term)
	e.text("command", m.Command)
	for _, v := range m.Env {
		e.text("environment", v)
	}
}

func (m *NewSession) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	d.skip("reserved")
	m.WantTTY = d.bool("want tty")
	m.WantX11 = d.bool("want x11")
	m.WantAgent = d.bool("want agent")
	m.Subsystem = d.bool("subsystem")
	m.EscapeChar = d.uint32("escape char")
	m.Term = d.text("terminal type")
	m.Command = d.text("command")
	for d.more() {
		if v := d.text("environment"); d.err == nil {
			m.Env = append(m.Env, v)
		}
	}
}

func (m *OpenForward) encode(e *encoder) {
	e.uint32(m.RequestID)
	m.Forward.encode(e)
}

func (m *OpenForward) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Forward.decode(d)
}

func (m *CloseForward) encode(e *encoder) {
	e.uint32(m.RequestID)
	m.Forward.encode(e)
}

func (m *CloseForward) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Forward.decode(d)
}

// maxStdioPort is mux.c's limit for the stdio-forward port: it stores the
// value in an int.
const maxStdioPort = 1<<31 - 1

func (m *NewStdioForward) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.bytes("") // reserved
	e.text("connect host", m.ConnectHost)
	e.port("connect port", m.ConnectPort, maxStdioPort)
}

func (m *NewStdioForward) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	d.skip("reserved")
	m.ConnectHost = d.text("connect host")
	m.ConnectPort = d.port("connect port", maxStdioPort)
}

func (m *PermissionDenied) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.text("reason", m.Reason)
}

func (m *PermissionDenied) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Reason = d.text("reason")
}

func (m *Failure) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.text("reason", m.Reason)
}

func (m *Failure) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Reason = d.text("reason")
}

func (m *ExitMessage) encode(e *encoder) {
	e.uint32(m.SessionID)
	e.uint32(m.ExitValue)
}

func (m *ExitMessage) decode(d *decoder) {
	m.SessionID = d.uint32("session id")
	m.ExitValue = d.uint32("exit value")
}

func (m *Alive) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.PID)
}

func (m *Alive) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.PID = d.uint32("pid")
}

func (m *SessionOpened) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.SessionID)
}

func (m *SessionOpened) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.SessionID = d.uint32("session id")
}

func (m *RemotePort) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.Port)
}

func (m *RemotePort) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Port = d.uint32("port")
}

func (m *TTYAllocFail) encode(e *encoder) { e.uint32(m.SessionID) }
func (m *TTYAllocFail) decode(d *decoder) { m.SessionID = d.uint32("session id") }

func (m *InfoRequest) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.text("what", m.What)
}

func (m *InfoRequest) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.What = d.text("what")
}

func (m *InfoReply) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.text("text", m.Text)
}

func (m *InfoReply) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.Text = d.text("text")
}

// The requests and replies below carry only a request id.

func (m *AliveCheck) encode(e *encoder)    { e.uint32(m.RequestID) }
func (m *AliveCheck) decode(d *decoder)    { m.RequestID = d.uint32("request id") }
func (m *Terminate) encode(e *encoder)     { e.uint32(m.RequestID) }
func (m *Terminate) decode(d *decoder)     { m.RequestID = d.uint32("request id") }
func (m *StopListening) encode(e *encoder) { e.uint32(m.RequestID) }
func (m *StopListening) decode(d *decoder) { m.RequestID = d.uint32("request id") }
func (m *ProxyRequest) encode(e *encoder)  { e.uint32(m.RequestID) }
func (m *ProxyRequest) decode(d *decoder)  { m.RequestID = d.uint32("request id") }
func (m *OK) encode(e *encoder)            { e.uint32(m.RequestID) }
func (m *OK) decode(d *decoder)            { m.RequestID = d.uint32("request id") }
func (m *ProxyReply) encode(e *encoder)    { e.uint32(m.RequestID) }
func (m *ProxyReply) decode(d *decoder)    { m.RequestID = d.uint32("request id") }
