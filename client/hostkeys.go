package client

import (
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/knownhosts"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// proofWait bounds how long Close waits for the server's answer to a
// hostkeys-prove request still in flight, and Dial for the answer that
// settles UpdateHostKeys=ask: sshd answers at once, and a server that
// stopped answering must not hold up the exit or the session.
const proofWait = 3 * time.Second

// globalRequests serves the server's global requests in place of
// x/crypto's Client, which refuses them all: hostkeys-00@openssh.com
// starts an UpdateHostKeys exchange on a goroutine of its own, so the
// transport keeps being read while the server proves its keys and the
// user is asked; everything else is refused, as clientloop.c
// client_input_global_request refuses it.
type globalRequests struct {
	conn     ssh.Conn
	verifier *knownhosts.Verifier
	prompter knownhosts.Prompter // for UpdateHostKeys=ask; nil: no prompts
	log      *sshlog.Logger

	mu      sync.Mutex
	replied chan struct{} // closed when the proof's answer is in (or never asked)
	done    chan struct{} // closed when the update is over; nil: none started
}

// serve reads in until the connection ends.
func (g *globalRequests) serve(in <-chan *ssh.Request) {
	for req := range in {
		g.handle(req)
	}
}

// settle is for UpdateHostKeys=ask: it handles, before Dial returns,
// the announcement sshd sends right after authentication, so that the
// question is asked before a session puts the terminal in raw mode and
// reads it (ssh stops everything else while it asks). sshd answers
// keepalive@openssh.com in order, after what it sent before; once the
// answer is in, x/crypto has queued its requests in in. A server that
// does not answer within proofWait is left to serve.
func (g *globalRequests) settle(in <-chan *ssh.Request) {
	answered := make(chan error, 1)
	crash.Go(func() {
		_, _, err := g.conn.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	})
	select {
	case err := <-answered:
		if err != nil {
			return
		}
	case <-time.After(proofWait):
		return
	}
	for {
		select {
		case req, ok := <-in:
			if !ok {
				return
			}
			g.handle(req)
		default:
			g.wait()
			return
		}
	}
}

// handle answers one global request.
func (g *globalRequests) handle(req *ssh.Request) {
	g.log.Logf(config.LogDebug1, "client_input_global_request: rtype %s want_reply %d", req.Type, boolInt(req.WantReply))
	if req.Type != knownhosts.AnnounceRequest {
		req.Reply(false, nil)
		return
	}
	// ssh answers success whatever it does with the keys.
	req.Reply(true, nil)
	replied, done := make(chan struct{}), make(chan struct{})
	g.mu.Lock()
	g.replied, g.done = replied, done
	g.mu.Unlock()
	update := g.verifier.Announce(req.Payload)
	if update == nil {
		close(replied)
		close(done)
		return
	}
	crash.Go(func() {
		defer close(done)
		g.update(update, replied)
	})
}

// update proves the new keys, if any, then applies the update.
func (g *globalRequests) update(u *knownhosts.HostKeyUpdate, replied chan struct{}) {
	if len(u.Unproven()) == 0 {
		close(replied)
		u.Apply(g.prompter)
		return
	}
	g.log.Logf(config.LogDebug3, "client_input_hostkeys: asking server to prove ownership for %d keys", len(u.Unproven()))
	ok, reply, err := g.conn.SendRequest(knownhosts.ProveRequest, true, u.ProvePayload())
	close(replied)
	if err != nil {
		return // the connection is gone
	}
	var kexHostKey string
	if m, isAlgos := g.conn.(ssh.AlgorithmsConnMetadata); isAlgos {
		kexHostKey = m.Algorithms().HostKey
	}
	if u.Prove(ok, reply, g.conn.SessionID(), kexHostKey) {
		u.Apply(g.prompter)
	}
}

// wait lets an UpdateHostKeys exchange finish before the connection is
// closed: ssh handles the server's answer before a session's end, and
// known_hosts must not be left half-updated by gssh's exit. The wait for
// the server is bounded by proofWait; once the answer is in, the update
// (and an ask prompt) is waited for.
func (g *globalRequests) wait() {
	if g == nil {
		return
	}
	g.mu.Lock()
	replied, done := g.replied, g.done
	g.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-replied:
		<-done
	case <-done:
	case <-time.After(proofWait):
	}
}
