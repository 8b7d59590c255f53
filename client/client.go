package client

import (
	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// Conn is an authenticated connection to one server.
type Conn struct {
	// Client is the underlying x/crypto/ssh client.
	Client *ssh.Client
	// Config is the configuration the connection was made with.
	Config *config.Config
	// HostKeyUntrusted reports that the host key did not match
	// known_hosts (changed or revoked) and StrictHostKeyChecking=no let
	// the connection go on. As in OpenSSH, agent, X11 and port forwarding
	// must then be refused; Dial has already skipped password and
	// keyboard-interactive authentication.
	HostKeyUntrusted bool

	guard *aliveGuard // the ServerAlive watchdog; nil for a Conn not made by Dial
	// global serves the server's global requests (UpdateHostKeys); nil
	// for a Conn not made by Dial.
	global *globalRequests
}

// Close closes the connection, unblocking every goroutine that uses it.
// An UpdateHostKeys exchange under way is let finish first (see
// globalRequests.wait).
func (c *Conn) Close() error {
	c.global.wait()
	c.guard.close()
	return c.Client.Close()
}
