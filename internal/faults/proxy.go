package faults

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Mode is what a Proxy does with the bytes it receives.
type Mode int

const (
	// Pass forwards bytes as they arrive.
	Pass Mode = iota
	// Delay forwards each chunk after a fixed latency.
	Delay
	// Blackhole stops forwarding in both directions without closing
	// anything: what a pulled cable or a dead NAT entry looks like to the
	// endpoints. Unread bytes pile up in the kernel's socket buffers.
	Blackhole
)

// Proxy forwards TCP connections from its own loopback port to a target,
// in a mode that can change at any moment, for every open connection.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	mode    Mode          // guarded by mu
	delay   time.Duration // guarded by mu
	changed chan struct{} // guarded by mu; closed and replaced on every change
	conns   []net.Conn    // guarded by mu
	closed  bool          // guarded by mu
	wg      sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port) in Pass mode. It is closed,
// with every connection through it, when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Pass makes the proxy forward bytes at once, releasing held ones.
func (p *Proxy) Pass() { p.set(Pass, 0) }

// Delay makes the proxy forward each chunk d after it was read.
func (p *Proxy) Delay(d time.Duration) { p.set(Delay, d) }

// Blackhole makes the proxy stop forwarding, keeping connections open.
func (p *Proxy) Blackhole() { p.set(Blackhole, 0) }

// Mode returns the current mode.
func (p *Proxy) Mode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

func (p *Proxy) set(m Mode, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay = m, d
	close(p.changed)
	p.changed = make(chan struct{})
}

// state returns the mode, the delay and a channel closed at the next change.
func (p *Proxy) state() (Mode, time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.delay, p.changed
}

// Close stops the proxy and closes every connection through it.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	close(p.changed) // wake forwarders held by Blackhole
	p.changed = make(chan struct{})
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns = append(p.conns, c)
	return true
}

func (p *Proxy) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		if !p.track(in) || !p.track(out) {
			in.Close()
			out.Close()
			return
		}
		p.wg.Add(2)
		go p.forward(out, in)
		go p.forward(in, out)
	}
}

// forward copies src to dst a chunk at a time, obeying the mode before
// each read and again before each write, so that a chunk read just before
// Blackhole is held too.
func (p *Proxy) forward(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32*1024)
	for {
		if !p.gate() {
			return
		}
		n, err := src.Read(buf)
		if n > 0 {
			if !p.gate() {
				return
			}
			if _, d, _ := p.state(); d > 0 {
				time.Sleep(d) // the injected latency itself
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if err == io.EOF {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
			} else {
				dst.Close()
			}
			return
		}
	}
}

// gate blocks while the proxy is blackholed; it reports false once the
// proxy is closed.
func (p *Proxy) gate() bool {
	for {
		mode, _, changed := p.state()
		if p.isClosed() {
			return false
		}
		if mode != Blackhole {
			return true
		}
		<-changed
	}
}
