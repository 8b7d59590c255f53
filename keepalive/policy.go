package keepalive

import "time"

// action is what the policy asks the watchdog to do after a deadline check.
type action int

const (
	actNone  action = iota // nothing to send; re-arm for the deadline
	actProbe               // send one keepalive probe, then re-arm
	actDead                // the server is dead; stop
)

func (a action) String() string {
	switch a {
	case actNone:
		return "none"
	case actProbe:
		return "probe"
	case actDead:
		return "dead"
	}
	return "action(?)"
}

// policy is the ServerAlive decision logic of OpenSSH's clientloop.c
// (server_alive_check, client_process_net_input,
// client_global_request_reply) as a pure state machine: it is fed events
// with their times and never reads a clock or starts a goroutine, so every
// timing rule is table-testable. The Watchdog owns one and serialises
// calls to it.
type policy struct {
	interval time.Duration
	countMax int

	lastRead  time.Time // latest inbound data, or the start
	lastCheck time.Time // latest expiry that counted as a miss, or the start
	lastReply time.Time // latest probe reply; zero if none yet
	missed    int       // expiries since the last reply
	probing   bool      // a probe is in flight
	dead      bool      // sticky: once declared dead, always dead
}

func newPolicy(interval time.Duration, countMax int, start time.Time) policy {
	return policy{interval: interval, countMax: countMax, lastRead: start, lastCheck: start}
}

// deadline is when the next check is due. OpenSSH re-arms
// server_alive_time both on every read and after every check, so the
// deadline runs from whichever happened last.
func (p *policy) deadline() time.Time {
	return later(p.lastRead, p.lastCheck).Add(p.interval)
}

// dataRead records that bytes were read from the server at t. A
// timestamp older than one already seen is ignored, so the deadline never
// moves backwards. It does not reset missed: in OpenSSH only a reply does.
func (p *policy) dataRead(t time.Time) {
	p.lastRead = later(p.lastRead, t)
}

// reply records that the in-flight probe was answered at t. Success and
// failure replies are the same here: either proves the server is alive.
func (p *policy) reply(t time.Time) {
	if p.dead {
		return
	}
	p.probing = false
	p.missed = 0
	p.lastReply = later(p.lastReply, t)
	// The reply was read from the connection, which in OpenSSH re-arms
	// the deadline. Doing it here as well keeps the policy right when the
	// caller's Touch hook misses the reply's bytes.
	p.dataRead(t)
}

// probeFailed records that the probe could not be sent or its wait was
// abandoned. That proves nothing about the server, so missed is kept;
// only the in-flight slot is freed for the next expiry.
func (p *policy) probeFailed() {
	p.probing = false
}

// expire is called when the timer fires at now. A timer that fires before
// the deadline (because data arrived after it was armed) changes nothing.
func (p *policy) expire(now time.Time) action {
	if p.dead {
		return actDead
	}
	if now.Before(p.deadline()) {
		return actNone
	}
	p.missed++
	if p.missed > p.countMax {
		p.dead = true
		return actDead
	}
	// Re-arm from now rather than from the deadline, as OpenSSH does: after
	// the process was suspended (a laptop asleep) the server then gets a
	// full interval to answer instead of a burst of instant expiries.
	p.lastCheck = now
	if p.probing {
		// The check still counts as a miss, which is what bounds a probe
		// that never returns; a second probe would only queue behind it.
		return actNone
	}
	p.probing = true
	return actProbe
}
