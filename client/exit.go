package client

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// How a session ends, as typed errors for cmd/gssh to branch on. ssh(1)
// exits 255 for every one of them; Run returns 255 alongside.

// ConnectionLostError reports that the connection died before the remote
// command's exit status arrived. Run has already printed OpenSSH's
// "Connection to H closed by remote host." (ssh prints it even with -q), so
// cmd/gssh only exits 255.
type ConnectionLostError struct {
	// Host is the HostName that was dialled, as in ssh's message.
	Host string
}

func (e *ConnectionLostError) Error() string {
	return fmt.Sprintf("Connection to %s closed by remote host.", e.Host)
}

// RemoteSignalError reports that the remote command was killed by a signal
// (RFC 4254 §6.10 exit-signal). ssh prints nothing for this and exits 255;
// x/crypto would report 128+n instead.
type RemoteSignalError struct {
	Signal     string // without "SIG", e.g. "TERM"
	CoreDumped bool
	Message    string
}

func (e *RemoteSignalError) Error() string {
	return "remote command killed by signal " + e.Signal
}

// LocalSignalError reports that gssh itself received SIGHUP, SIGINT,
// SIGQUIT or SIGTERM during the session. Run has closed the channel and
// restored the terminal; ssh logs "Killed by signal N." at VERBOSE, which
// Error returns, and exits 255.
type LocalSignalError struct {
	Signal os.Signal
}

func (e *LocalSignalError) Error() string {
	n := -1
	if s, ok := e.Signal.(syscall.Signal); ok {
		n = int(s)
	}
	return fmt.Sprintf("Killed by signal %d.", n)
}

// RequestFailedError reports that the server refused a session request
// that ssh treats as fatal: exec, shell, subsystem, and pty-req when the
// pty was demanded with RequestTTY yes or force. Error is ssh's message,
// printed at ERROR level.
type RequestFailedError struct {
	// What names the request as ssh does: "exec", "shell", "subsystem",
	// "PTY allocation".
	What string
}

func (e *RequestFailedError) Error() string {
	// x/crypto hides the local channel number; the session is channel 0
	// unless forwarding listeners were set up first.
	return e.What + " request failed on channel 0"
}

// exitRecorder collects the outcome a server reports on the session
// channel's request stream.
type exitRecorder struct {
	status *int
	signal *RemoteSignalError
}

// handle records exit-status and exit-signal and answers requests that
// want a reply the way ssh does: success only for exit-status.
func (r *exitRecorder) handle(req *ssh.Request, log *sshlog.Logger) {
	ok := false
	switch req.Type {
	case "exit-status":
		var msg struct{ Status uint32 }
		if ssh.Unmarshal(req.Payload, &msg) == nil {
			status := int(msg.Status & 255)
			r.status = &status
			ok = true
		}
	case "exit-signal":
		var msg struct {
			Signal     string
			CoreDumped bool
			Message    string
			Lang       string
		}
		if ssh.Unmarshal(req.Payload, &msg) == nil {
			r.signal = &RemoteSignalError{Signal: msg.Signal, CoreDumped: msg.CoreDumped, Message: msg.Message}
		}
	}
	log.Logf(config.LogDebug1, "client_input_channel_req: channel 0 rtype %s reply %d", req.Type, boolInt(req.WantReply))
	if req.WantReply {
		req.Reply(ok, nil)
	}
}

// result is the status and error Run returns once the channel has closed:
// an exit status wins, then an exit signal; with neither the session ends
// like ssh with exit_status -1.
func (r *exitRecorder) result() (int, error) {
	switch {
	case r.status != nil:
		return *r.status, nil
	case r.signal != nil:
		return 255, r.signal
	}
	return 255, ErrNoExitStatus
}

// ErrNoExitStatus is returned when the server closed the session channel
// without an exit status while the connection stayed up; ssh prints
// nothing and exits 255.
var ErrNoExitStatus = errors.New("client: session closed without exit status")

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
