//go:build unix

package mux

import (
	"errors"
	"time"
)

// SetDeadline bounds every read and write on the control connection from
// now on, as net.Conn's SetDeadline does: a master that stops answering
// then gives an error instead of a hang. The zero time removes the bound.
func (c *Client) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// Has reports whether the master's HELLO advertised the extension name
// ([ExtSignal], [ExtUpstreamCheck], [ExtSessionCheck]).
func (c *Client) Has(name string) bool { return HasExtension(c.Extensions, name) }

// SignalSession asks a gssh master to signal the remote command of its
// session sid (the [Session.ID] of another control connection). A
// *ReplyError carries the master's reason when the signal was not
// delivered, ErrSignalRefused when the server declined it; check [Client.Has] with [ExtSignal] first.
func (c *Client) SignalSession(sid uint32, signal string) error {
	_, err := c.request(&SignalSession{RequestID: c.next, SessionID: sid, Signal: signal})
	var re *ReplyError
	if errors.As(err, &re) && re.Reason == ErrSignalRefused.Error() {
		return ErrSignalRefused
	}
	return err
}

// CheckUpstream asks a gssh master whether its SSH connection answers
// a keepalive. nil means it did; a *ReplyError means the master found it
// lost, or silent for longer than the master's budget; other errors mean
// the master itself did not answer (see [Client.SetDeadline]).
func (c *Client) CheckUpstream() error {
	_, err := c.request(&UpstreamCheck{RequestID: c.next})
	return err
}

// ArmSessionCheck asks a gssh master to check its SSH connection as it
// opens this client's next session ([SessionCheck]): NewSession then
// fails with a *ReplyError whose Reason is [ErrUpstreamNotResponding]'s
// text when the server did not confirm the channel within the master's
// budget.
func (c *Client) ArmSessionCheck() error {
	_, err := c.request(&SessionCheck{RequestID: c.next})
	return err
}
