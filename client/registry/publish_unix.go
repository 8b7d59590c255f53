//go:build unix

package registry

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gssh/gssh/internal/crash"
)

// Publisher keeps one process's entry up to date until Close.
type Publisher struct {
	dir    *Dir
	id     string // fixed at Publish
	update func(*Entry)
	onEnd  func()

	mu      sync.Mutex
	e       Entry  // guarded by mu: the entry as last written
	written []byte // guarded by mu: its encoding with Updated set to Started

	ln       net.Listener
	stop     chan struct{}
	done     chan struct{}
	closeOne sync.Once
	endOne   sync.Once
}

// Publish writes e (ID, PID, UID, process identity and times filled in
// here) to dir and keeps it current: once a second it calls update on a
// copy, which fills in the live fields (LastReply, Probing, Missed) from
// values the connection keeps anyway, and rewrites the entry when
// anything changed, or at least once per keepalive interval so that a
// reader can tell a gssh that stopped updating. update runs on the
// publisher's goroutine and must not block.
//
// onEnd is called, once, when `gssh --end` asks this process to end its
// session (see RequestEnd); nil refuses such requests.
func Publish(dir *Dir, e Entry, update func(*Entry), onEnd func()) (*Publisher, error) {
	var err error
	if e.ID == "" {
		if e.ID, err = NewID(); err != nil {
			return nil, err
		}
	}
	e.PID, e.UID = os.Getpid(), os.Getuid()
	self, err := LookupProc(e.PID)
	if err != nil {
		return nil, err
	}
	e.ProcStart, e.BootID = self.Start, self.BootID
	now := time.Now()
	if e.Started.IsZero() {
		e.Started = now
	}
	e.Updated = now
	p := &Publisher{dir: dir, id: e.ID, update: update, onEnd: onEnd, stop: make(chan struct{}), done: make(chan struct{})}
	if onEnd != nil {
		os.Remove(dir.EndSocket(e.ID))
		if p.ln, err = net.Listen("unix", dir.EndSocket(e.ID)); err != nil {
			return nil, fmt.Errorf("registry: end socket: %w", err)
		}
		crash.Go(p.serveEnd)
	}
	if err := p.write(e); err != nil {
		p.closeListener()
		return nil, err
	}
	crash.Go(p.tick)
	return p, nil
}

// ID is the entry's ID.
func (p *Publisher) ID() string { return p.id }

func (p *Publisher) write(e Entry) error {
	key := e
	key.Updated = key.Started
	kb, err := Encode(key)
	if err != nil {
		return err
	}
	if err := p.dir.Write(e); err != nil {
		return err
	}
	p.mu.Lock()
	p.e, p.written = e, kb
	p.mu.Unlock()
	return nil
}

// tick refreshes the entry once a second.
func (p *Publisher) tick() {
	defer close(p.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.refresh(now)
		}
	}
}

func (p *Publisher) refresh(now time.Time) {
	p.mu.Lock()
	e, last := p.e, p.written
	p.mu.Unlock()
	if p.update != nil {
		p.update(&e)
	}
	key := e
	key.Updated = key.Started
	kb, err := Encode(key)
	if err != nil {
		return
	}
	heartbeat := e.AliveInterval
	if heartbeat <= 0 {
		heartbeat = 30 * time.Second
	}
	if bytes.Equal(kb, last) && now.Sub(e.Updated) < heartbeat {
		return
	}
	e.Updated = now
	p.write(e) // a failed write is retried on the next tick
}

// serveEnd answers end requests on the end socket.
func (p *Publisher) serveEnd() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		crash.Go(func() { p.handleEnd(c) })
	}
}

// endRequest and endAck are the end socket's whole protocol: the client
// sends one line, the process answers one line and then ends its
// session.
const (
	endRequest = "end"
	endAck     = "ok"
)

func (p *Publisher) handleEnd(c net.Conn) {
	defer c.Close()
	if uid, ok := peerUID(c); ok && uid != os.Getuid() {
		return
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != endRequest {
		return
	}
	if _, err := c.Write([]byte(endAck + "\n")); err != nil {
		return
	}
	p.endOne.Do(func() { crash.Go(p.onEnd) })
}

// RequestEnd asks the process of entry e to end its session, through its
// end socket, and waits up to ctx's deadline for the acknowledgement.
func (d *Dir) RequestEnd(ctx context.Context, e *Entry) error {
	var dialer net.Dialer
	c, err := dialer.DialContext(ctx, "unix", d.EndSocket(e.ID))
	if err != nil {
		return fmt.Errorf("registry: end %s: %w", e.ID, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := c.Write([]byte(endRequest + "\n")); err != nil {
		return fmt.Errorf("registry: end %s: %w", e.ID, err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("registry: end %s: %w", e.ID, err)
	}
	if strings.TrimSpace(line) != endAck {
		return fmt.Errorf("registry: end %s: %w", e.ID, errors.New("refused"))
	}
	return nil
}

func (p *Publisher) closeListener() {
	if p.ln != nil {
		p.ln.Close()
	}
}

// Close stops the updates and removes the entry and its end socket. It
// may be called more than once.
func (p *Publisher) Close() {
	if p == nil {
		return
	}
	p.closeOne.Do(func() {
		close(p.stop)
		<-p.done
		p.closeListener()
		p.dir.Remove(p.ID())
	})
}

// Discard removes the entry's files without waiting for anything: for
// the crash handler, which must not block on a lock or a goroutine.
func (p *Publisher) Discard() {
	if p != nil {
		p.dir.Remove(p.id)
	}
}
