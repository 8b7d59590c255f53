package client

import (
	"context"
	"io"
	"sync/atomic"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/crash"
)

// Control is what an input filter may act on besides the bytes: the
// session's channel and connection, the local terminal and the logger.
// The escape-character handler (EscapeFilter) is built on it.
type Control struct {
	conn   *Conn
	ch     ssh.Channel
	pty    bool
	term   *tty.Terminal // raw for the session, else nil
	stderr io.Writer     // the local standard error, where escapes answer
	log    *sshlog.Logger
	// ctx is Run's context; its deadline is --timeout.
	ctx context.Context
	// queue is the stdin pump's queue, set once the pump has started.
	queue atomic.Pointer[inputQueue]
	// shared is set for a session a multiplexing master runs for a
	// passenger (RunShared): ~. then ends only that session, and the
	// escapes that act on this process (~C, ~V/v, ~^Z, ~&) are refused,
	// as OpenSSH refuses them for mux clients.
	shared bool
}

// control returns the Control for the running session.
func (s *session) control(ctx context.Context) *Control {
	c := &Control{conn: s.conn, ch: s.ch, pty: s.pty, stderr: s.st.Stderr, log: s.log, ctx: ctx}
	if c.stderr == nil {
		c.stderr = io.Discard
	}
	if s.raw {
		c.term = s.st.Terminal
	}
	return c
}

// watchQueue lets ~# report the input that waits for the channel. A nil
// Control (no filter) ignores it.
func (c *Control) watchQueue(q *inputQueue) {
	if c != nil {
		c.queue.Store(q)
	}
}

// queued is how many bytes of local input wait for the channel window.
func (c *Control) queued() int {
	if q := c.queue.Load(); q != nil {
		return q.len()
	}
	return 0
}

// PTY reports whether a pty was requested for the session (-t, -tt,
// RequestTTY, or a terminal on stdin without a command).
func (c *Control) PTY() bool { return c.pty }

// Terminal is the local terminal, in raw mode for the session, or nil.
// Suspending (~^Z) restores it and calls MakeRaw again on resume.
func (c *Control) Terminal() *tty.Terminal { return c.term }

// SendBreak sends a BREAK of ms milliseconds (RFC 4335), as ~B does with
// 1000.
func (c *Control) SendBreak(ms uint32) error {
	_, err := c.ch.SendRequest("break", false, ssh.Marshal(struct{ Ms uint32 }{ms}))
	return err
}

// disconnect closes the whole connection, as ~. does. Closing the
// network connection, rather than just the channel, is what unblocks a
// writer stuck on a full channel window or a frozen server. A passenger's
// session shares the connection with others, so only its channel closes
// (mux.c's channel_force_close).
func (c *Control) disconnect() {
	if c.shared {
		c.ch.Close()
		return
	}
	c.conn.Close()
}

// sendWindowSize tells the server the terminal's current size, as ssh
// does after a suspend in case it changed meanwhile. It does not wait:
// a frozen server must not hold up the caller.
func (c *Control) sendWindowSize() {
	if c.term == nil {
		return
	}
	payload := ssh.Marshal(c.term.Size())
	crash.Go(func() { c.ch.SendRequest("window-change", false, payload) })
}

// say writes an escape's answer to the local standard error.
func (c *Control) say(s string) { io.WriteString(c.stderr, s) }
