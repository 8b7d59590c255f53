package client

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// channelList is ~#: OpenSSH's channel_open_message for the one channel a
// gssh connection has, its session. x/crypto/ssh does not expose the
// remote channel id or buffer states, so only what gssh knows is shown:
// the type and state (t4, open), the bytes of input waiting for the
// channel window (i0/N) and the local descriptors.
func (c *Control) channelList() string {
	return "The following connections are open:\r\n" +
		fmt.Sprintf("  #0 client-session (t4 [session] i0/%d o0/0 e[write]/0 fd 0/1/2)\r\n", c.queued())
}

// connInfo is ~I: one screen about the connection, in the spirit of
// OpenSSH 10.3's ~I (9.2 has none); the wording is gssh's. now is passed
// in for the ages and the time left.
func (c *Control) connInfo(now time.Time) string {
	cfg := c.conn.Config
	var b strings.Builder
	line := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "  %-14s "+format+"\r\n", append([]any{name + ":"}, args...)...)
	}
	b.WriteString("Connection information:\r\n")
	line("host", "%s port %d", cfg.HostName, cfg.Port)
	if cl := c.conn.Client; cl != nil {
		line("address", "%s (local %s)", cl.RemoteAddr(), cl.LocalAddr())
		line("user", "%s", cl.User())
		line("server", "%s", c.log.Text(string(cl.ServerVersion())))
		if m, ok := cl.Conn.(ssh.AlgorithmsConnMetadata); ok {
			alg := m.Algorithms()
			line("kex", "%s, host key %s", alg.KeyExchange, alg.HostKey)
			line("cipher", "%s", cipherText(alg))
		}
	}
	line("keepalive", "%s", c.keepaliveText(now))
	if d, ok := c.ctx.Deadline(); ok {
		line("time left", "%s (--timeout)", d.Sub(now).Round(time.Second).String())
	} else {
		line("time left", "no --timeout")
	}
	if c.shared {
		line("multiplexing", "a passenger's session through this master (pid %d)", os.Getpid())
	} else {
		line("multiplexing", "none")
	}
	return b.String()
}

// cipherText names the ciphers and MACs, once when both directions agree.
func cipherText(alg ssh.NegotiatedAlgorithms) string {
	dir := func(d ssh.DirectionAlgorithms) string {
		// AEAD ciphers carry their own integrity; x/crypto still
		// reports a MAC name for them, which ssh would not show.
		if strings.Contains(d.Cipher, "gcm") || strings.Contains(d.Cipher, "poly1305") || d.MAC == "" {
			return d.Cipher
		}
		return d.Cipher + " MAC " + d.MAC
	}
	in, out := dir(alg.Read), dir(alg.Write)
	if in == out {
		return in
	}
	return "in " + in + ", out " + out
}

// keepaliveText describes the ServerAlive watchdog.
func (c *Control) keepaliveText(now time.Time) string {
	cfg := c.conn.Config
	st, ok := c.conn.KeepaliveState()
	if !ok {
		return "off (ServerAliveInterval 0)"
	}
	s := "every " + cfg.ServerAliveInterval.String() + ", at most " +
		strconv.Itoa(cfg.ServerAliveCountMax) + " unanswered"
	s += "; last data " + age(st.Now, st.LastRead) + " ago"
	if st.LastReply.IsZero() {
		s += "; no probe answered yet"
	} else {
		s += "; last reply " + age(st.Now, st.LastReply) + " ago"
	}
	if st.Missed > 0 {
		s += "; " + strconv.Itoa(st.Missed) + " missed"
	}
	return s
}

// age is how long before now t was, to the second.
func age(now, t time.Time) string {
	return now.Sub(t).Round(time.Second).String()
}
