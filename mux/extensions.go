package mux

import "errors"

// gssh's extensions to PROTOCOL.mux. A gssh master names them in its
// HELLO; a client uses a request only when the master advertised it, so
// an OpenSSH master (which advertises nothing) never sees one. The type
// numbers are gssh's own, in a range mux.c does not use; should an
// OpenSSH master receive one anyway it answers FAILURE "unsupported
// request".
const (
	// ExtSignal says the master accepts [SignalSession]: a client bounding
	// its run (--timeout) or interrupted (Ctrl-C, SIGTERM) has the master
	// signal the remote command instead of only closing its session.
	ExtSignal = "gssh-signal@gssh"
	// ExtUpstreamCheck says the master accepts [UpstreamCheck]: a client
	// about to reuse it asks whether its SSH connection still answers.
	ExtUpstreamCheck = "gssh-upstream-check@gssh"
	// ExtSessionCheck says the master accepts [SessionCheck]: the same
	// proof as [UpstreamCheck], taken from the opening of the client's
	// session instead of a keepalive of its own, which saves a round
	// trip to the server on every multiplexed session.
	ExtSessionCheck = "gssh-session-check@gssh"
)

// ErrUpstreamNotResponding is the FAILURE reason a master gives a
// NEW_SESSION that [SessionCheck] armed when the server did not confirm
// the session's channel within the master's budget. The master then stops listening and
// exits, as a client would have told it to after a failed
// [UpstreamCheck]; the client connects directly.
var ErrUpstreamNotResponding = errors.New("mux: upstream connection not responding")

// ErrSignalRefused means the server declined a [SignalSession]'s signal
// (sshd does for subsystems, forced commands and, before 9.8, root
// logins). A [Backend] reports it on [Signal]'s Result; the master sends
// its text as the FAILURE reason, and [Client.SignalSession] turns that
// reason back into ErrSignalRefused.
var ErrSignalRefused = errors.New("mux: server refused the signal")

// HasExtension reports whether exts (a HELLO's) holds name.
func HasExtension(exts []Extension, name string) bool {
	for _, e := range exts {
		if e.Name == name {
			return true
		}
	}
	return false
}

// SignalSession asks a gssh master to send the remote command of its
// session SessionID the signal Signal (RFC 4254 §6.9 names, without
// "SIG": TERM, KILL, INT, HUP, QUIT). It is sent on a control connection
// of its own, since the session's connection is busy waiting for the exit
// message; any client of the master's uid may signal any of its sessions,
// the same trust the socket already implies. The master answers [OK] once
// the server accepted the signal, or [Failure] with the reason (no such
// session, the server refused, the channel ended).
type SignalSession struct {
	RequestID uint32
	SessionID uint32
	Signal    string
}

// UpstreamCheck asks a gssh master to prove that its SSH connection still
// answers: it sends a keepalive@openssh.com global request and answers
// [OK] when any reply comes, [Failure] when the connection is lost or its
// server stays silent for longer than the master's own budget
// ([Backend.CheckUpstream]). The master alone knows its connection's
// round-trip time, so the verdict is its own: TimeoutMS, a client's bound
// in earlier versions, is ignored (gssh clients send 0).
type UpstreamCheck struct {
	RequestID uint32
	TimeoutMS uint32
}

// SessionCheck arms a check of the master's SSH connection for the next
// NEW_SESSION on the same control connection: the server must confirm
// the session's channel before the master's own budget runs out
// ([SessionRequest.CheckUpstream]), or the master answers [Failure] with
// [ErrUpstreamNotResponding]'s text. A channel open is itself a round
// trip to the server, so a live connection costs nothing extra. The
// master answers [OK] at once. TimeoutMS is ignored, as in
// [UpstreamCheck].
type SessionCheck struct {
	RequestID uint32
	TimeoutMS uint32
}

// Type returns MsgSignalSession.
func (*SignalSession) Type() MsgType { return MsgSignalSession }

// Type returns MsgUpstreamCheck.
func (*UpstreamCheck) Type() MsgType { return MsgUpstreamCheck }

// Type returns MsgSessionCheck.
func (*SessionCheck) Type() MsgType { return MsgSessionCheck }

func (m *SignalSession) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.SessionID)
	e.text("signal", m.Signal)
}

func (m *SignalSession) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.SessionID = d.uint32("session id")
	m.Signal = d.text("signal")
}

func (m *UpstreamCheck) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.TimeoutMS)
}

func (m *UpstreamCheck) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.TimeoutMS = d.uint32("timeout")
}

func (m *SessionCheck) encode(e *encoder) {
	e.uint32(m.RequestID)
	e.uint32(m.TimeoutMS)
}

func (m *SessionCheck) decode(d *decoder) {
	m.RequestID = d.uint32("request id")
	m.TimeoutMS = d.uint32("timeout")
}
