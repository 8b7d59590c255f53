package forward

import (
	"errors"
	"net"
	"sync"
	"time"
)

// How local listeners stay open to real clients when others connect and
// say nothing (issue 11: a -D port starved by idle local connections).
//
// OpenSSH's channels.c keeps an accepted SOCKS connection as a channel of
// type SSH_CHANNEL_DYNAMIC in its poll set; channel_pre_dynamic decodes
// whatever bytes have arrived and waits for more, with no deadline and
// no limit but the descriptor table. An idle socket costs ssh a
// descriptor and an entry in its channel table and nothing else, so a
// hundred silent clients do not delay the hundred-and-first.
//
// gssh reads each connection in its own goroutine, so it has to keep the
// same promise by construction:
//
//   - the accept loop only accepts: every connection is handed to its own
//     goroutine at once, and nothing it does waits for a channel slot;
//   - a SOCKS handshake holds no channel slot. It runs under a deadline
//     (Options.NegotiationTimeout, 30 s by default: ample for a
//     client on a slow link, which sends its greeting the moment it
//     connects) and in a bounded table of handshakes in progress
//     (Options.MaxNegotiating, 256): when the table is full, the
//     connection that has waited longest is closed to make room, so a new
//     client always gets its handshake read and a flood of silent sockets
//     cannot pin descriptors beyond the table;
//   - a remote dynamic forwarding (-R with a port only) reads its SOCKS
//     request from a channel the server opened, which already holds a
//     slot: the same deadline closes it, so silent peers on the server
//     side give their slots back;
//   - the channel slot (MaxChannels) is taken only when a channel
//     is about to be opened: at once for -L, which has no handshake, after
//     the request for -D. When none is free the connection is refused at
//     once (a SOCKS failure reply, or a close for -L), never queued, so no
//     client waits behind connections it cannot see.

// DefaultNegotiationTimeout is how long a -D client, or the peer of a
// remote dynamic forwarding, has to complete its SOCKS handshake.
const DefaultNegotiationTimeout = 30 * time.Second

// DefaultMaxNegotiating is how many SOCKS handshakes a Forwarding reads
// at once before it closes the oldest.
const DefaultMaxNegotiating = 256

// errSocksEvicted: the handshake was complete, but the table had just
// closed its connection to make room.
var errSocksEvicted = errors.New("socks: handshake closed to make room for newer clients")

// errSocksExpired: the handshake was complete, but its timer had just
// closed the channel.
var errSocksExpired = errors.New("socks: handshake timed out")

// negotiations is the table of handshakes in progress, oldest first.
type negotiations struct {
	timeout time.Duration
	max     int

	mu    sync.Mutex
	conns []net.Conn
}

func newNegotiations(timeout time.Duration, max int) *negotiations {
	if timeout <= 0 {
		timeout = DefaultNegotiationTimeout
	}
	if max <= 0 {
		max = DefaultMaxNegotiating
	}
	return &negotiations{timeout: timeout, max: max}
}

// begin enters c in the table under the handshake deadline, closing the
// oldest handshake when the table is full. The returned end removes c
// and lifts the deadline; it reports false when c was evicted meanwhile
// (and so is closed).
func (n *negotiations) begin(c net.Conn) (end func() bool) {
	c.SetDeadline(time.Now().Add(n.timeout))
	n.mu.Lock()
	if len(n.conns) >= n.max {
		oldest := n.conns[0]
		n.conns = n.conns[1:]
		// Closing unblocks the oldest handshake's read; its end then
		// finds it gone.
		oldest.Close()
	}
	n.conns = append(n.conns, c)
	n.mu.Unlock()
	return func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		for i, held := range n.conns {
			if held == c {
				n.conns = append(n.conns[:i], n.conns[i+1:]...)
				c.SetDeadline(time.Time{})
				return true
			}
		}
		return false
	}
}
