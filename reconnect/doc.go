// Package reconnect decides when gssh --reconnect tries again: the
// exponential backoff with jitter between attempts, the counting of
// attempts against --reconnect-max, and autossh's first-connection gate.
// It is policy only, like keepalive: it never dials, and it reads time
// only through a Clock, so tests drive it with a fake one. The runtime
// that dials and restores forwardings is package tunnel.
//
// # Backoff
//
// The wait before attempt k of an outage is First×2^(k-1), capped at Max
// (1 s, 2 s, 4 s, … 60 s by default), with "equal jitter": a uniformly
// drawn fraction of up to half of it is taken off, so the first retry
// comes after 0.5–1 s and a fleet of tunnels whose server restarted does
// not come back in step. The same backoff paces the retries of a remote
// forwarding the server refuses (Backoff, used by package tunnel for a
// -R port still held by the dead session).
//
// A connection that stayed up for at least Stable (30 s) resets the
// backoff, so an outage after a long healthy period starts again at 1 s;
// a connection lost sooner than that continues from the last wait, so a
// server that accepts and then drops every connection is retried ever
// more slowly instead of once a second.
//
// # Attempts and the gate
//
// MaxAttempts (--reconnect-max) bounds the consecutive failed attempts:
// every connection that comes up starts the count again, and after the
// MaxAttempts-th failure in a row the Decision is to give up (gssh exits
// 255). Zero means no bound.
//
// As autossh's gate (AUTOSSH_GATETIME), the very first connection is not
// retried: if it fails, gssh exits as ssh would, since a typo in a host
// name or a refused key will not heal by itself. RetryFirst
// (--reconnect-first) lifts the gate for tunnels started before their
// server is reachable, such as at boot. Unlike autossh, which calls a
// first connection failed when ssh exits within 30 s, a first connection
// here has succeeded once it is authenticated and its forwardings are set
// up; losing it later is an ordinary loss.
package reconnect
