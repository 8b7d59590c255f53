package proxy

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// Window and packet size this side offers for each channel, as x/crypto
// and OpenSSH's session channels do (2 MiB, 32 KiB).
const (
	localWindow = 2 << 20
	localPacket = 32 << 10
)

// ErrClosed is returned for operations on a closed channel or connection.
var ErrClosed = errors.New("proxy: closed")

// OpenChannelError is the peer's CHANNEL_OPEN_FAILURE.
type OpenChannelError struct {
	Reason  uint32
	Message string
}

func (e *OpenChannelError) Error() string {
	return fmt.Sprintf("proxy: channel open refused: %s (reason %d)", e.Message, e.Reason)
}

// Options configure a Conn.
type Options struct {
	// Go starts the Conn's one goroutine, the reader. Required: gssh
	// passes crash.Go, so that a panic in the reader restores the terminal
	// as everywhere else.
	Go func(func())
}

// Conn is the connection protocol over a stream of mux-mode packets.
// Channel opens and global requests from the peer arrive on Incoming and
// Requests, which the caller must drain.
type Conn struct {
	rw  io.ReadWriteCloser
	wmu sync.Mutex

	mu      sync.Mutex
	chans   map[uint32]*Channel
	next    uint32
	pending []chan globalReply // our global requests awaiting replies, in order
	err     error              // why the connection ended

	incoming chan *NewChannel
	requests chan *Request
	done     chan struct{}
}

type globalReply struct {
	ok   bool
	data []byte
}

// NewConn starts the connection protocol on rw, which must already be in
// proxy mode (after MUX_S_PROXY, or after answering MUX_C_PROXY).
func NewConn(rw io.ReadWriteCloser, opts Options) *Conn {
	c := &Conn{
		rw:       rw,
		chans:    make(map[uint32]*Channel),
		incoming: make(chan *NewChannel, 4),
		requests: make(chan *Request, 4),
		done:     make(chan struct{}),
	}
	opts.Go(c.readLoop)
	return c
}

// Incoming delivers the peer's channel opens; it is closed when the
// connection ends.
func (c *Conn) Incoming() <-chan *NewChannel { return c.incoming }

// Requests delivers the peer's global requests; it is closed when the
// connection ends.
func (c *Conn) Requests() <-chan *Request { return c.requests }

// Close closes the stream; every channel ends.
func (c *Conn) Close() error { return c.rw.Close() }

// Wait waits for the connection to end and returns why (io.EOF when the
// peer closed it).
func (c *Conn) Wait() error {
	<-c.done
	return c.err
}

func (c *Conn) write(msg any) error {
	t, p := encode(msg)
	return c.writeRaw(t, p)
}

func (c *Conn) writeRaw(t byte, p []byte) error {
	frame := AppendPacket(nil, t, p)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.rw.Write(frame)
	return err
}

// SendRequest sends a global request; with wantReply it waits for the
// answer and returns it.
func (c *Conn) SendRequest(name string, wantReply bool, data []byte) (bool, []byte, error) {
	var reply chan globalReply
	if wantReply {
		reply = make(chan globalReply, 1)
		c.mu.Lock()
		if c.err != nil {
			c.mu.Unlock()
			return false, nil, ErrClosed
		}
		// Queued before the request is written, so that a fast answer
		// finds it; the write lock keeps the queue in wire order.
		c.wmu.Lock()
		c.pending = append(c.pending, reply)
		c.mu.Unlock()
		t, p := encode(&globalRequest{Name: name, WantReply: true, Data: data})
		_, err := c.rw.Write(AppendPacket(nil, t, p))
		c.wmu.Unlock()
		if err != nil {
			return false, nil, err
		}
	} else if err := c.write(&globalRequest{Name: name, Data: data}); err != nil {
		return false, nil, err
	}
	if reply == nil {
		return false, nil, nil
	}
	select {
	case r := <-reply:
		return r.ok, r.data, nil
	case <-c.done:
		return false, nil, ErrClosed
	}
}

// OpenChannel opens a channel of type typ with extra as its type-specific
// data, and waits for the peer's answer.
func (c *Conn) OpenChannel(typ string, extra []byte) (*Channel, <-chan *Request, error) {
	ch := c.newChannel()
	ch.opened = make(chan error, 1)
	if err := c.write(&channelOpen{Type: typ, Sender: ch.local, Window: localWindow, MaxSize: localPacket, Extra: extra}); err != nil {
		c.drop(ch)
		return nil, nil, err
	}
	select {
	case err := <-ch.opened:
		if err != nil {
			return nil, nil, err
		}
		return ch, ch.reqs, nil
	case <-c.done:
		return nil, nil, ErrClosed
	}
}

// newChannel allocates a local channel number.
func (c *Conn) newChannel() *Channel {
	ch := &Channel{c: c, reqs: make(chan *Request, 16), replies: make(chan bool, 1), closed: make(chan struct{})}
	ch.cond = sync.NewCond(&ch.mu)
	ch.stdout = newBuffer(ch.consumed)
	ch.stderr = newBuffer(ch.consumed)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		c.next++
		if _, taken := c.chans[c.next]; !taken {
			break
		}
	}
	ch.local = c.next
	c.chans[ch.local] = ch
	return ch
}

func (c *Conn) drop(ch *Channel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.chans, ch.local)
}

func (c *Conn) channel(id uint32) *Channel {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chans[id]
}

// readLoop dispatches the peer's packets until the stream ends.
func (c *Conn) readLoop() {
	var err error
	for err == nil {
		var t byte
		var p []byte
		t, p, err = ReadPacket(c.rw)
		if err != nil {
			break
		}
		err = c.dispatch(t, p)
	}
	c.mu.Lock()
	c.err = err
	chans := c.chans
	c.chans = map[uint32]*Channel{}
	c.pending = nil
	c.mu.Unlock()
	for _, ch := range chans {
		ch.peerClosed()
	}
	close(c.incoming)
	close(c.requests)
	close(c.done)
	c.rw.Close()
}

func (c *Conn) dispatch(t byte, p []byte) error {
	msg, err := decode(t, p)
	if err != nil {
		return err
	}
	if t == msgRequestFailure || t == msgRequestSuccess {
		var data []byte
		if s, ok := msg.(*requestSuccess); ok {
			data = s.Data
		}
		c.mu.Lock()
		if len(c.pending) == 0 {
			c.mu.Unlock()
			return fmt.Errorf("%w: unexpected global request reply", ErrMalformed)
		}
		reply := c.pending[0]
		c.pending = c.pending[1:]
		c.mu.Unlock()
		reply <- globalReply{ok: t == msgRequestSuccess, data: data}
		return nil
	}
	switch m := msg.(type) {
	case *globalRequest:
		c.requests <- &Request{Type: m.Name, WantReply: m.WantReply, Payload: m.Data, conn: c}
		return nil
	case *channelOpen:
		c.incoming <- &NewChannel{c: c, typ: m.Type, extra: m.Extra, remote: m.Sender, window: m.Window, maxSize: m.MaxSize}
		return nil
	}
	var id uint32
	switch m := msg.(type) {
	case *openConfirm:
		id = m.Recipient
	case *openFailure:
		id = m.Recipient
	case *windowAdjust:
		id = m.Recipient
	case *channelData:
		id = m.Recipient
	case *extendedData:
		id = m.Recipient
	case *channelRequest:
		id = m.Recipient
	case *channelOnly:
		id = m.Recipient
	}
	ch := c.channel(id)
	if ch == nil {
		return fmt.Errorf("%w: type %d for unknown channel %d", ErrMalformed, t, id)
	}
	switch m := msg.(type) {
	case *openConfirm:
		ch.mu.Lock()
		ch.remote, ch.window, ch.maxSize = m.Sender, m.Window, m.MaxSize
		ch.mu.Unlock()
		ch.opened <- nil
	case *openFailure:
		c.drop(ch)
		ch.opened <- &OpenChannelError{Reason: m.Reason, Message: m.Message}
	case *windowAdjust:
		ch.mu.Lock()
		ch.window += m.Add
		ch.cond.Broadcast()
		ch.mu.Unlock()
	case *channelData:
		ch.stdout.put(m.Data)
	case *extendedData:
		if m.Code == 1 { // SSH_EXTENDED_DATA_STDERR
			ch.stderr.put(m.Data)
		}
	case *channelRequest:
		ch.reqs <- &Request{Type: m.Name, WantReply: m.WantReply, Payload: m.Data, ch: ch}
	case *channelOnly:
		switch t {
		case msgChannelEOF:
			ch.stdout.end()
			ch.stderr.end()
		case msgChannelClose:
			c.drop(ch)
			ch.peerClosed()
			ch.sendClose()
		case msgChannelSuccess, msgChannelFailure:
			select {
			case ch.replies <- t == msgChannelSuccess:
			default:
				return fmt.Errorf("%w: unexpected channel request reply", ErrMalformed)
			}
		}
	}
	return nil
}

// NewChannel is a channel the peer wants to open.
type NewChannel struct {
	c                       *Conn
	typ                     string
	extra                   []byte
	remote, window, maxSize uint32
}

// ChannelType is the channel's type ("session", "direct-tcpip", ...).
func (n *NewChannel) ChannelType() string { return n.typ }

// ExtraData is the type-specific data of the open request.
func (n *NewChannel) ExtraData() []byte { return n.extra }

// Accept confirms the channel.
func (n *NewChannel) Accept() (*Channel, <-chan *Request, error) {
	ch := n.c.newChannel()
	ch.remote, ch.window, ch.maxSize = n.remote, n.window, n.maxSize
	if err := n.c.write(&openConfirm{Recipient: n.remote, Sender: ch.local, Window: localWindow, MaxSize: localPacket}); err != nil {
		n.c.drop(ch)
		return nil, nil, err
	}
	return ch, ch.reqs, nil
}

// Reject refuses the channel with an RFC 4254 §5.1 reason code.
func (n *NewChannel) Reject(reason uint32, message string) error {
	return n.c.write(&openFailure{Recipient: n.remote, Reason: reason, Message: message})
}

// Request is a global or channel request from the peer.
type Request struct {
	Type      string
	WantReply bool
	Payload   []byte
	ch        *Channel // nil for a global request
	conn      *Conn
}

// Reply answers a request that wants one; payload goes only with the
// success of a global request.
func (r *Request) Reply(ok bool, payload []byte) error {
	if !r.WantReply {
		return nil
	}
	if r.ch != nil {
		return r.ch.sendOnly(map[bool]byte{true: msgChannelSuccess, false: msgChannelFailure}[ok])
	}
	if ok {
		return r.conn.write(&requestSuccess{Data: payload})
	}
	return r.conn.writeRaw(msgRequestFailure, nil)
}

// Channel is one open channel. Its Read and Write carry the data stream,
// Stderr the extended data stream 1, and its requests arrive on the
// channel OpenChannel or Accept returned, closed when the channel closes.
type Channel struct {
	c             *Conn
	local, remote uint32

	mu       sync.Mutex
	cond     *sync.Cond
	window   uint32 // what the peer lets us send
	maxSize  uint32
	sentEOF  bool
	sentCl   bool
	peerGone bool

	stdout, stderr *buffer
	reqs           chan *Request
	replies        chan bool
	reqMu          sync.Mutex // one SendRequest awaiting its answer at a time
	opened         chan error
	closed         chan struct{}
	closeOnce      sync.Once
}

// Read reads the data stream.
func (ch *Channel) Read(p []byte) (int, error) { return ch.stdout.Read(p) }

// Write sends data within the peer's window and packet size.
func (ch *Channel) Write(p []byte) (int, error) { return ch.send(p, false) }

// Stderr is the extended data stream: reads take the peer's, writes send ours.
func (ch *Channel) Stderr() io.ReadWriter { return stderrStream{ch} }

type stderrStream struct{ ch *Channel }

func (s stderrStream) Read(p []byte) (int, error)  { return s.ch.stderr.Read(p) }
func (s stderrStream) Write(p []byte) (int, error) { return s.ch.send(p, true) }

func (ch *Channel) send(p []byte, extended bool) (int, error) {
	n := 0
	for len(p) > 0 {
		ch.mu.Lock()
		for ch.window == 0 && !ch.sentEOF && !ch.sentCl && !ch.peerGone {
			ch.cond.Wait()
		}
		if ch.sentEOF || ch.sentCl || ch.peerGone {
			ch.mu.Unlock()
			return n, ErrClosed
		}
		k := min(uint32(len(p)), ch.window, max(ch.maxSize, 1))
		ch.window -= k
		remote := ch.remote
		ch.mu.Unlock()
		var err error
		if extended {
			err = ch.c.write(&extendedData{Recipient: remote, Code: 1, Data: p[:k]})
		} else {
			err = ch.c.write(&channelData{Recipient: remote, Data: p[:k]})
		}
		if err != nil {
			return n, err
		}
		n += int(k)
		p = p[k:]
	}
	return n, nil
}

// consumed gives the peer back window for n bytes read.
func (ch *Channel) consumed(n int) {
	ch.mu.Lock()
	live := !ch.sentCl && !ch.peerGone
	remote := ch.remote
	ch.mu.Unlock()
	if live && n > 0 {
		ch.c.write(&windowAdjust{Recipient: remote, Add: uint32(n)})
	}
}

// SendRequest sends a channel request; with wantReply it waits for the
// answer.
func (ch *Channel) SendRequest(name string, wantReply bool, payload []byte) (bool, error) {
	if wantReply {
		ch.reqMu.Lock()
		defer ch.reqMu.Unlock()
	}
	ch.mu.Lock()
	gone := ch.sentCl || ch.peerGone
	remote := ch.remote
	ch.mu.Unlock()
	if gone {
		return false, ErrClosed
	}
	if err := ch.c.write(&channelRequest{Recipient: remote, Name: name, WantReply: wantReply, Data: payload}); err != nil {
		return false, err
	}
	if !wantReply {
		return false, nil
	}
	select {
	case ok := <-ch.replies:
		return ok, nil
	case <-ch.closed:
		return false, ErrClosed
	}
}

// CloseWrite sends EOF.
func (ch *Channel) CloseWrite() error {
	ch.mu.Lock()
	if ch.sentEOF || ch.sentCl || ch.peerGone {
		ch.mu.Unlock()
		return nil
	}
	ch.sentEOF = true
	ch.cond.Broadcast()
	ch.mu.Unlock()
	return ch.sendOnly(msgChannelEOF)
}

// Close sends CLOSE; the channel is gone once the peer's CLOSE came too.
func (ch *Channel) Close() error {
	ch.sendClose()
	return nil
}

func (ch *Channel) sendClose() {
	ch.mu.Lock()
	if ch.sentCl {
		ch.mu.Unlock()
		return
	}
	ch.sentCl = true
	ch.cond.Broadcast()
	ch.mu.Unlock()
	ch.sendOnlyAlways(msgChannelClose)
}

// peerClosed ends the channel's streams and requests: the peer's CLOSE,
// or the end of the connection.
func (ch *Channel) peerClosed() {
	ch.closeOnce.Do(func() {
		ch.mu.Lock()
		ch.peerGone = true
		ch.cond.Broadcast()
		ch.mu.Unlock()
		ch.stdout.end()
		ch.stderr.end()
		close(ch.reqs)
		close(ch.closed)
	})
}

func (ch *Channel) sendOnly(t byte) error {
	ch.mu.Lock()
	gone := ch.peerGone || ch.sentCl
	remote := ch.remote
	ch.mu.Unlock()
	if gone {
		return ErrClosed
	}
	return ch.c.writeRaw(t, encodeOnly(remote))
}

func (ch *Channel) sendOnlyAlways(t byte) {
	ch.mu.Lock()
	remote := ch.remote
	ch.mu.Unlock()
	ch.c.writeRaw(t, encodeOnly(remote))
}

// buffer holds received data until it is read.
type buffer struct {
	mu     sync.Mutex
	cond   *sync.Cond
	data   []byte
	eof    bool
	onRead func(int)
}

func newBuffer(onRead func(int)) *buffer {
	b := &buffer{onRead: onRead}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *buffer) put(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.eof {
		b.data = append(b.data, p...)
	}
	b.cond.Broadcast()
}

func (b *buffer) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.eof = true
	b.cond.Broadcast()
}

func (b *buffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	for len(b.data) == 0 && !b.eof {
		b.cond.Wait()
	}
	if len(b.data) == 0 {
		b.mu.Unlock()
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	if len(b.data) == 0 {
		b.data = nil
	}
	b.mu.Unlock()
	b.onRead(n)
	return n, nil
}
