//go:build unix

package mux

import (
	"errors"
	"fmt"
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

// CheckUpstream asks a gssh master whether its SSH connection answers a
// keepalive within wait. nil means it did; a *ReplyError means the master
// found it dead; other errors mean the master itself did not answer (see
// [Client.SetDeadline]).
func (c *Client) CheckUpstream(wait time.Duration) error {
	ms, err := checkTimeoutMS(wait)
	if err != nil {
		return err
	}
	_, err = c.request(&UpstreamCheck{RequestID: c.next, TimeoutMS: ms})
	return err
}

// checkTimeoutMS is a check's bound as the wire carries it.
func checkTimeoutMS(wait time.Duration) (uint32, error) {
	ms := wait.Milliseconds()
	if ms < 1 || ms > 1<<31 {
		return 0, fmt.Errorf("mux: check timeout %v out of range", wait)
	}
	return uint32(ms), nil
}

// ArmSessionCheck asks a gssh master to check its SSH connection as it
// opens this client's next session ([SessionCheck]): NewSession then
// fails with a *ReplyError whose Reason is [ErrUpstreamNotResponding]'s
// text when the server did not confirm the channel within wait.
func (c *Client) ArmSessionCheck(wait time.Duration) error {
	ms, err := checkTimeoutMS(wait)
	if err != nil {
		return err
	}
	_, err = c.request(&SessionCheck{RequestID: c.next, TimeoutMS: ms})
	return err
}
