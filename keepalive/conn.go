package keepalive

import "net"

// WrapConn returns c with every Read that returns data calling w.Touch.
// Wrap the connection the SSH client reads from, so that all inbound
// traffic (channel data, replies, the server's own keepalives) re-arms
// the watchdog, as every read from the socket does in OpenSSH. Writes
// pass through untouched: sending proves nothing about the server.
func WrapConn(c net.Conn, w *Watchdog) net.Conn {
	return &conn{Conn: c, w: w}
}

type conn struct {
	net.Conn
	w *Watchdog
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	// Data that arrives together with an error (EOF after the last bytes)
	// still arrived.
	if n > 0 {
		c.w.Touch()
	}
	return n, err
}
