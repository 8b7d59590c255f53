package keepalive

import (
	"fmt"
	"testing"
	"time"
)

type event int

const (
	evRead   event = iota // bytes read from the server
	evReply               // the in-flight probe was answered
	evFail                // the in-flight probe failed
	evExpire              // the timer fired
)

func (e event) String() string {
	return [...]string{"read", "reply", "fail", "expire"}[e]
}

// pstep is one event fed to a policy and the state expected after it.
type pstep struct {
	ev       event
	at       time.Duration // since the start
	act      action        // for evExpire
	missed   int
	deadline time.Duration // since the start
	probing  bool
}

const sec = time.Second

// TestPolicy pins the ServerAlive rules of OpenSSH 9.2's clientloop.c with
// exact timings, Interval 10s unless a case says otherwise: the deadline
// runs from the later of the last read and the last check
// (schedule_server_alive_check in client_process_net_input and
// server_alive_check); a check past the deadline counts a miss and is fatal
// once misses exceed CountMax (ssh_packet_inc_alive_timeouts); any global
// request reply resets the count (client_global_request_reply).
func TestPolicy(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		countMax int
		steps    []pstep
	}{
		{
			name: "silent server with hung probe is dead at (CountMax+1)×Interval", countMax: 3,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actProbe, missed: 1, deadline: 20 * sec, probing: true},
				{ev: evExpire, at: 20 * sec, act: actNone, missed: 2, deadline: 30 * sec, probing: true},
				{ev: evExpire, at: 30 * sec, act: actNone, missed: 3, deadline: 40 * sec, probing: true},
				{ev: evExpire, at: 40 * sec, act: actDead, missed: 4, deadline: 40 * sec, probing: true},
			},
		},
		{
			name: "CountMax 0 is dead at the first expiry without a probe", countMax: 0,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actDead, missed: 1, deadline: 10 * sec},
			},
		},
		{
			name: "timer firing before the deadline does nothing", countMax: 3,
			steps: []pstep{
				{ev: evExpire, at: 9 * sec, act: actNone, missed: 0, deadline: 10 * sec},
			},
		},
		{
			name: "inbound data pushes the deadline", countMax: 3,
			steps: []pstep{
				{ev: evRead, at: 7 * sec, missed: 0, deadline: 17 * sec},
				{ev: evExpire, at: 10 * sec, act: actNone, missed: 0, deadline: 17 * sec},
				{ev: evRead, at: 16 * sec, missed: 0, deadline: 26 * sec},
				{ev: evExpire, at: 17 * sec, act: actNone, missed: 0, deadline: 26 * sec},
				{ev: evExpire, at: 26 * sec, act: actProbe, missed: 1, deadline: 36 * sec, probing: true},
			},
		},
		{
			name: "an older read timestamp never moves the deadline back", countMax: 3,
			steps: []pstep{
				{ev: evRead, at: 8 * sec, missed: 0, deadline: 18 * sec},
				{ev: evRead, at: 3 * sec, missed: 0, deadline: 18 * sec},
			},
		},
		{
			name: "reply resets the count and re-arms from the reply", countMax: 2,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actProbe, missed: 1, deadline: 20 * sec, probing: true},
				{ev: evReply, at: 11 * sec, missed: 0, deadline: 21 * sec},
				{ev: evExpire, at: 20 * sec, act: actNone, missed: 0, deadline: 21 * sec},
				{ev: evExpire, at: 21 * sec, act: actProbe, missed: 1, deadline: 31 * sec, probing: true},
				{ev: evReply, at: 21 * sec, missed: 0, deadline: 31 * sec},
			},
		},
		{
			name: "late reply after CountMax expiries still saves the connection", countMax: 2,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actProbe, missed: 1, deadline: 20 * sec, probing: true},
				{ev: evExpire, at: 20 * sec, act: actNone, missed: 2, deadline: 30 * sec, probing: true},
				{ev: evReply, at: 29 * sec, missed: 0, deadline: 39 * sec},
				{ev: evExpire, at: 30 * sec, act: actNone, missed: 0, deadline: 39 * sec},
				{ev: evExpire, at: 39 * sec, act: actProbe, missed: 1, deadline: 49 * sec, probing: true},
				{ev: evExpire, at: 49 * sec, act: actNone, missed: 2, deadline: 59 * sec, probing: true},
				{ev: evExpire, at: 59 * sec, act: actDead, missed: 3, deadline: 59 * sec, probing: true},
			},
		},
		{
			name: "data without a reply re-arms but does not reset the count", countMax: 2,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actProbe, missed: 1, deadline: 20 * sec, probing: true},
				{ev: evRead, at: 15 * sec, missed: 1, deadline: 25 * sec, probing: true},
				{ev: evExpire, at: 20 * sec, act: actNone, missed: 1, deadline: 25 * sec, probing: true},
				{ev: evExpire, at: 25 * sec, act: actNone, missed: 2, deadline: 35 * sec, probing: true},
				{ev: evRead, at: 34 * sec, missed: 2, deadline: 44 * sec, probing: true},
				{ev: evExpire, at: 44 * sec, act: actDead, missed: 3, deadline: 44 * sec, probing: true},
			},
		},
		{
			name: "a failed probe frees the slot but keeps the count", countMax: 2,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actProbe, missed: 1, deadline: 20 * sec, probing: true},
				{ev: evFail, at: 10 * sec, missed: 1, deadline: 20 * sec},
				{ev: evExpire, at: 20 * sec, act: actProbe, missed: 2, deadline: 30 * sec, probing: true},
				{ev: evFail, at: 21 * sec, missed: 2, deadline: 30 * sec},
				{ev: evExpire, at: 30 * sec, act: actDead, missed: 3, deadline: 30 * sec},
			},
		},
		{
			name: "a late timer re-arms from now, not from the missed deadline", countMax: 1,
			steps: []pstep{
				// Suspended for 90s: the server gets a full interval to answer.
				{ev: evExpire, at: 100 * sec, act: actProbe, missed: 1, deadline: 110 * sec, probing: true},
				{ev: evExpire, at: 110 * sec, act: actDead, missed: 2, deadline: 110 * sec, probing: true},
			},
		},
		{
			name: "dead is sticky", countMax: 0,
			steps: []pstep{
				{ev: evExpire, at: 10 * sec, act: actDead, missed: 1, deadline: 10 * sec},
				{ev: evReply, at: 11 * sec, missed: 1, deadline: 10 * sec},
				{ev: evExpire, at: 12 * sec, act: actDead, missed: 1, deadline: 10 * sec},
			},
		},
		{
			name: "sub-second interval", interval: 250 * time.Millisecond, countMax: 1,
			steps: []pstep{
				{ev: evRead, at: 100 * time.Millisecond, deadline: 350 * time.Millisecond},
				{ev: evExpire, at: 350 * time.Millisecond, act: actProbe, missed: 1, deadline: 600 * time.Millisecond, probing: true},
				{ev: evExpire, at: 600 * time.Millisecond, act: actDead, missed: 2, deadline: 600 * time.Millisecond, probing: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			interval := tt.interval
			if interval == 0 {
				interval = 10 * sec
			}
			start := time.Unix(1_700_000_000, 0)
			p := newPolicy(interval, tt.countMax, start)
			if got := p.deadline().Sub(start); got != interval {
				t.Fatalf("initial deadline = start+%v, want start+%v", got, interval)
			}
			for i, st := range tt.steps {
				at := start.Add(st.at)
				where := fmt.Sprintf("step %d (%v at %v)", i, st.ev, st.at)
				switch st.ev {
				case evRead:
					p.dataRead(at)
				case evReply:
					p.reply(at)
				case evFail:
					p.probeFailed()
				case evExpire:
					if got := p.expire(at); got != st.act {
						t.Fatalf("%s: action %v, want %v", where, got, st.act)
					}
				}
				if p.missed != st.missed {
					t.Errorf("%s: missed %d, want %d", where, p.missed, st.missed)
				}
				if got := p.deadline().Sub(start); got != st.deadline {
					t.Errorf("%s: deadline start+%v, want start+%v", where, got, st.deadline)
				}
				if p.probing != st.probing {
					t.Errorf("%s: probing %v, want %v", where, p.probing, st.probing)
				}
			}
		})
	}
}

// TestPolicyDetectionTime drives a policy the way the Watchdog does (one
// expiry at each deadline) against a server that goes silent at lastData
// and never answers, and checks the exact moment of death:
// lastData + (CountMax+1)×Interval.
func TestPolicyDetectionTime(t *testing.T) {
	for _, interval := range []time.Duration{100 * time.Millisecond, time.Second, 15 * time.Second} {
		for countMax := 0; countMax <= 5; countMax++ {
			for _, lastData := range []time.Duration{0, interval / 3, 7 * interval / 2} {
				name := fmt.Sprintf("I=%v/CM=%d/last=%v", interval, countMax, lastData)
				t.Run(name, func(t *testing.T) {
					start := time.Unix(0, 0)
					p := newPolicy(interval, countMax, start)
					// Data flows every interval/2 until lastData.
					for at := time.Duration(0); at <= lastData; at += interval / 2 {
						p.dataRead(start.Add(at))
						if p.expire(start.Add(at)) != actNone {
							t.Fatalf("acted at %v while data was flowing", at)
						}
					}
					p.dataRead(start.Add(lastData))
					probes := 0
					for {
						at := p.deadline()
						act := p.expire(at)
						if act == actProbe {
							probes++
						}
						if act == actDead {
							want := start.Add(lastData + time.Duration(countMax+1)*interval)
							if !at.Equal(want) {
								t.Errorf("dead at %v, want %v", at.Sub(start), want.Sub(start))
							}
							break
						}
						if at.Sub(start) > 100*interval {
							t.Fatal("never declared dead")
						}
					}
					// The probe hangs, so only the first one is ever sent.
					if want := min(countMax, 1); probes != want {
						t.Errorf("sent %d probes, want %d (one in flight at most)", probes, want)
					}
				})
			}
		}
	}
}

func TestPolicyHealthyNeverDies(t *testing.T) {
	start := time.Unix(0, 0)
	p := newPolicy(time.Second, 1, start)
	// The server is otherwise silent but answers every probe after 900ms.
	for i := 0; i < 1000; i++ {
		at := p.deadline()
		switch act := p.expire(at); act {
		case actProbe:
			p.reply(at.Add(900 * time.Millisecond))
		case actDead:
			t.Fatalf("dead at %v", at.Sub(start))
		default:
			t.Fatalf("expire at the deadline returned %v", act)
		}
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[action]string{actNone: "none", actProbe: "probe", actDead: "dead", action(9): "action(?)"} {
		if got := a.String(); got != want {
			t.Errorf("action %d: %q, want %q", int(a), got, want)
		}
	}
}

func TestHandshakeBound(t *testing.T) {
	tests := []struct {
		interval time.Duration
		countMax int
		want     time.Duration
	}{
		{15 * sec, 3, 45 * sec},
		{sec, 1, sec},
		{0, 3, 0},        // ServerAliveInterval off: no bound
		{30 * sec, 0, 0}, // ServerAliveCountMax 0: no bound, as packet.c
		{-1 * sec, 3, 0}, // nonsense in, no bound out
		{100 * time.Millisecond, 2, 200 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := HandshakeBound(tt.interval, tt.countMax); got != tt.want {
			t.Errorf("HandshakeBound(%v, %d) = %v, want %v", tt.interval, tt.countMax, got, tt.want)
		}
	}
}
