//go:build unix

package registry

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// How tells how End ended a process.
type How string

// The ways End ends a process.
const (
	AlreadyGone    How = "gone"       // no such process any more (a stale entry)
	EndedByRequest How = "ended"      // the process ended its session itself
	EndedByTERM    How = "terminated" // it did not react in time; SIGTERM ended it
	EndedByKILL    How = "killed"     // SIGTERM did not either; SIGKILL did
	NotEnded       How = "not ended"  // it is still running
)

// EndResult is what End did.
type EndResult struct {
	How How
	// RequestErr is why the end request failed, if it did (a stopped
	// process cannot answer it).
	RequestErr error
	// TTYRestored: the process was killed with its terminal left raw, and
	// End put back the modes saved in its entry. TTYErr says why it could
	// not.
	TTYRestored bool
	TTYErr      error
}

// End ends the process of l as `gssh --end` does: it asks the process
// through its end socket to close its session the way ~. does, and gives
// it grace to exit; a process still running then (stopped, or hung
// itself) is sent SIGTERM (and SIGCONT, so that a stopped one can act on
// it), and after another second SIGKILL. A process that did not end on
// its own may have left its terminal raw: End then restores the saved
// modes (RestoreTTY's checks apply). Only a process that still matches
// the entry (pid, start time, boot, owner) is ever signalled.
func (d *Dir) End(ctx context.Context, l *Live, grace time.Duration) EndResult {
	var res EndResult
	e := &l.Entry
	if !Running(e) {
		d.Remove(e.ID)
		res.How = AlreadyGone
		return res
	}
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, grace)
	res.RequestErr = d.RequestEnd(rctx, e)
	cancel()
	if waitGone(e, start.Add(grace)) {
		res.How = EndedByRequest
		return res
	}
	Signal(e, unix.SIGTERM)
	Signal(e, unix.SIGCONT)
	res.How = EndedByTERM
	if !waitGone(e, time.Now().Add(time.Second)) {
		Signal(e, unix.SIGKILL)
		res.How = EndedByKILL
		if !waitGone(e, time.Now().Add(time.Second)) {
			res.How = NotEnded
			return res
		}
	}
	d.Remove(e.ID)
	res.TTYRestored, res.TTYErr = RestoreTTY(e.TTY, os.Getuid())
	return res
}

// waitGone polls until e's process is gone or the deadline passes.
func waitGone(e *Entry, deadline time.Time) bool {
	for {
		if !Running(e) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
