//go:build unix

package mux

import (
	"context"
	"time"
)

// signalWait bounds how long the master waits for a session to take a
// [SignalSession] request and for the server's answer, a little less than
// the second a gssh client gives the whole exchange.
const signalWait = 900 * time.Millisecond

// liveSession is an open session as [SignalSession] finds it.
type liveSession struct {
	signals chan Signal
	done    chan struct{} // closed when the session has ended
}

// addLive registers session sid for SignalSession.
func (m *Master) addLive(sid uint32) *liveSession {
	ls := &liveSession{signals: make(chan Signal), done: make(chan struct{})}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.live[sid] = ls
	return ls
}

// dropLive forgets session sid once it has ended.
func (m *Master) dropLive(sid uint32, ls *liveSession) {
	close(ls.done)
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.live, sid)
}

// signalSession answers [SignalSession]: hand the signal to the session
// and report the server's answer. A session that ends meanwhile counts as
// signalled, since what the client wants, the command gone, happened.
func (m *Master) signalSession(r *SignalSession) Message {
	m.mu.Lock()
	ls := m.live[r.SessionID]
	m.mu.Unlock()
	if ls == nil {
		return &Failure{RequestID: r.RequestID, Reason: "no such session"}
	}
	timer := time.NewTimer(signalWait)
	defer timer.Stop()
	res := make(chan error, 1)
	select {
	case ls.signals <- Signal{Name: r.Signal, Result: res}:
	case <-ls.done:
		return &OK{RequestID: r.RequestID}
	case <-timer.C:
		return &Failure{RequestID: r.RequestID, Reason: "session did not take the signal"}
	}
	select {
	case err := <-res:
		if err != nil {
			return &Failure{RequestID: r.RequestID, Reason: err.Error()}
		}
	case <-ls.done:
	case <-timer.C:
		return &Failure{RequestID: r.RequestID, Reason: "server did not answer the signal"}
	}
	return &OK{RequestID: r.RequestID}
}

// upstreamCheck answers [UpstreamCheck] with the backend's probe of the
// SSH connection, which bounds the wait itself.
func (c *control) upstreamCheck(ctx context.Context, r *UpstreamCheck) Message {
	if err := c.b.CheckUpstream(ctx); err != nil {
		return &Failure{RequestID: r.RequestID, Reason: err.Error()}
	}
	return &OK{RequestID: r.RequestID}
}
