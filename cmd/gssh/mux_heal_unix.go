//go:build unix

package main

import (
	"errors"
	"os"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/mux"
)

// Self-healing, beyond OpenSSH: a master whose SSH connection died
// without its noticing (a laptop that slept, a NAT entry that expired)
// still answers on its socket, and every session through it hangs. Before
// reusing a gssh master, gssh asks it to prove its connection answers:
// for a session, by the server confirming the session's channel in time
// (mux.ExtSessionCheck), otherwise with a keepalive
// (mux.ExtUpstreamCheck). One that cannot exits or is told to, its socket
// is removed, and gssh connects directly (and, with auto, becomes the new
// master). OpenSSH masters advertise nothing and are used as they are.
const (
	// upstreamCheckWait is how long the master may wait for its server's
	// answer to the keepalive: long enough for a slow link's round trip,
	// short enough that a dead master costs about a second.
	upstreamCheckWait = 800 * time.Millisecond
	// upstreamCheckLimit bounds the whole exchange on the control
	// socket, in case the master itself is stuck.
	upstreamCheckLimit = time.Second
	// retireLimit bounds telling a dead master to exit.
	retireLimit = 500 * time.Millisecond
)

// checkUpstream asks c's master whether its connection answers. It
// returns nil for an OpenSSH master (which cannot be asked) and for a
// gssh master whose connection answered in time; a *mux.ReplyError when
// the master found its connection dead; another error when the master
// itself did not answer.
func checkUpstream(c *mux.Client) error {
	if !c.Has(mux.ExtUpstreamCheck) {
		return nil
	}
	c.SetDeadline(time.Now().Add(upstreamCheckLimit))
	defer c.SetDeadline(time.Time{})
	return c.CheckUpstream(upstreamCheckWait)
}

// checkUpstreamWithSession is checkUpstream for a session: a master that
// can (mux.ExtSessionCheck) is asked to check its connection while it
// opens the session, which costs no round trip of its own; NewSession
// then fails with mux.ErrUpstreamNotResponding's reason if the check
// does, and the master retires itself. Other gssh masters get
// checkUpstream's keepalive probe.
func checkUpstreamWithSession(c *mux.Client) error {
	if !c.Has(mux.ExtSessionCheck) {
		return checkUpstream(c)
	}
	c.SetDeadline(time.Now().Add(upstreamCheckLimit))
	defer c.SetDeadline(time.Time{})
	return c.ArmSessionCheck(upstreamCheckWait)
}

// retireMaster deals with a master whose connection is dead (err from
// checkUpstream): one that answered is told to exit on c, taking its
// socket with it; the socket at path is removed at once either way, while
// it is still the one that was checked (ident), so that the next client
// never finds the dead master and a replacement's socket is never
// removed. A master that no longer answers is left to itself, socketless.
func retireMaster(c *mux.Client, err error, path string, ident os.FileInfo, host string, log *client.Logger) {
	log.Logf(client.LevelVerbose, "Control master's connection to %s is not responding (%v); retiring it and connecting directly", host, err)
	var answered *mux.ReplyError
	if errors.As(err, &answered) {
		c.SetDeadline(time.Now().Add(retireLimit))
		if err := c.Terminate(); err != nil {
			log.Logf(client.LevelDebug1, "control master did not take the exit request: %v", err)
		}
	}
	if fi, err := os.Lstat(path); err == nil && ident != nil && os.SameFile(fi, ident) {
		os.Remove(path)
	}
}
