package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// Texts the server sends reach the terminal only through Logger, which
// renders them as ssh does (client/termsafe). This file holds what ssh
// does besides rendering: refusing strings its parser refuses, and
// reporting a DISCONNECT that ends a session.

// errInvalidFormat is returned from x/crypto's callbacks for a string ssh
// reads with sshpkt_get_cstring, which refuses one holding a NUL byte:
// the userauth banner and the keyboard-interactive name, instruction and
// prompts.
var errInvalidFormat = errors.New("client: NUL in a server string")

// hasNUL reports whether any of texts holds a NUL byte.
func hasNUL(texts ...string) bool {
	for _, t := range texts {
		if strings.IndexByte(t, 0) >= 0 {
			return true
		}
	}
	return false
}

// InvalidFormatError reports a message from the server that ssh's packet
// parser refuses (SSH_ERR_INVALID_FORMAT); ssh ends the connection with
// the line Error returns and exits 255.
type InvalidFormatError struct {
	Addr string // the server's IP address
	Port int
}

func (e *InvalidFormatError) Error() string {
	return fmt.Sprintf("ssh_dispatch_run_fatal: Connection to %s port %d: invalid format", e.Addr, e.Port)
}

// DisconnectedError reports that the server ended the connection with
// SSH_MSG_DISCONNECT, during the handshake (sshd's "Too many
// authentication failures", for one) or later. Error is ssh's two lines
// for it; Message is the server's text, unsanitised.
type DisconnectedError struct {
	Addr    string // the server's IP address
	Port    int
	Reason  uint32
	Message string
	Err     error
}

func (e *DisconnectedError) Error() string {
	received, disconnected := e.Lines()
	return received + "\r\n" + disconnected
}

// Lines are ssh's two messages, before its log functions make them safe
// for the terminal: packet.c logs the first at ERROR, and sshpkt_fatal
// the second at INFO before exiting 255.
func (e *DisconnectedError) Lines() (received, disconnected string) {
	msg := e.Message
	if len(msg) > 400 { // "%.400s"
		msg = msg[:400]
	}
	return fmt.Sprintf("Received disconnect from %s port %d:%d: %s", e.Addr, e.Port, e.Reason, msg),
		fmt.Sprintf("Disconnected from %s port %d", e.Addr, e.Port)
}

func (e *DisconnectedError) Unwrap() error { return e.Err }

// disconnect returns the server's DISCONNECT when that is what ended the
// connection, nil otherwise. Callers know the connection has died (a
// request failed), so x/crypto's read loop has ended or is ending and
// Wait returns; ctx bounds the wait all the same.
func (c *Conn) disconnect(ctx context.Context) *DisconnectedError {
	res := make(chan error, 1)
	crash.Go(func() { res <- c.Client.Wait() })
	var err error
	select {
	case err = <-res:
	case <-ctx.Done():
		return nil
	}
	if err == nil {
		return nil
	}
	reason, msg, ok := disconnectReason(err)
	if !ok {
		return nil
	}
	addr, port := peerID(c.Client.RemoteAddr(), c.Config)
	return &DisconnectedError{Addr: addr, Port: port, Reason: reason, Message: msg, Err: err}
}

// Log prints e as ssh does, each line at its level and made safe for the
// terminal by log.
func (e *DisconnectedError) Log(log *sshlog.Logger) {
	received, disconnected := e.Lines()
	log.Logf(config.LogError, "%s", received)
	log.Logf(config.LogInfo, "%s", disconnected)
}
