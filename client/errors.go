package client

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/gssh/gssh/client/config"
)

// The error types below are what cmd/gssh branches on. Each Error() is
// the exact text OpenSSH 9.2's ssh prints in the same situation, so the
// command can print it verbatim (all of them exit 255). Where ssh prefixes
// its program name ("ssh: connect to host ..."), the text starts with
// "ssh: " too: gssh is a drop-in replacement and scripts match on it.

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

// ResolveError reports that the host name could not be resolved.
type ResolveError struct {
	Host string
	Err  error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("ssh: Could not resolve hostname %s: %s", e.Host, gaiError(e.Err))
}

func (e *ResolveError) Unwrap() error { return e.Err }

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

// AuthError reports that every authentication method was exhausted.
type AuthError struct {
	User string
	Host string
	// Methods are the methods the server offered in its last failure
	// reply, in its order.
	Methods []string
	// Err is the last error of a client-side method (a failed prompt, an
	// agent failure), if any; nil when the server simply said no.
	Err error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("%s@%s: Permission denied (%s).", e.User, e.Host, strings.Join(e.Methods, ","))
}

func (e *AuthError) Unwrap() error { return e.Err }

// UnsupportedError reports a configured feature gssh does not implement yet.
type UnsupportedError struct {
	Option string // the ssh_config keyword
	Value  string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s %s is not supported yet", e.Option, e.Value)
}

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
