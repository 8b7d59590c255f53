package kexlog

import (
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// Options say what the observer needs besides the packets.
type Options struct {
	Log *sshlog.Logger
	// Host, Port and User name the login for ssh's "Authenticating to
	// HOST:PORT as 'USER'", logged after the server's version; no line
	// when Host is "".
	Host string
	Port int
	User string
	// RekeyBytes is the volume after which the transport rekeys, as given
	// to x/crypto's Config.RekeyThreshold: 0 for the cipher's default.
	RekeyBytes uint64
}

// Conn is a net.Conn that watches the clear-text start of an SSH
// connection in both directions and logs it as ssh -v does, and counts
// the bytes sent and received for ssh's "Transferred:" line. It changes
// nothing that passes through it.
type Conn struct {
	net.Conn
	opts  Options
	start time.Time

	sent, received atomic.Uint64
	// quiet is set once both directions are past their NEWKEYS (or given
	// up): reads and writes then skip the lock.
	quiet atomic.Bool

	mu           sync.Mutex
	out, in      stream
	client       *KexInit // our KEXINIT, once sent
	server       *KexInit // the server's, once received
	algs         Algorithms
	kexLogged    bool // both KEXINITs are in and the choice is logged
	newKeysOut   bool
	newKeysInSeq int // the server's NEWKEYS sequence number, -1 until seen
	newKeysInLog bool
	banner       int // lines before the server's version so far
}

// Wrap starts observing conn, whose first byte each way is still to come.
func Wrap(conn net.Conn, opts Options) *Conn {
	return &Conn{Conn: conn, opts: opts, start: time.Now(), newKeysInSeq: -1}
}

func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.received.Add(uint64(n))
		c.observe(&c.in, false, p[:n])
	}
	return n, err
}

func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.sent.Add(uint64(n))
		c.observe(&c.out, true, p[:n])
	}
	return n, err
}

// Traffic returns the bytes written and read so far and the time since
// Wrap, for ssh's "Transferred: sent N, received M bytes, in S seconds".
func (c *Conn) Traffic() (sent, received uint64, elapsed time.Duration) {
	return c.sent.Load(), c.received.Load(), time.Since(c.start)
}

// Negotiated returns the algorithms computed from the two KEXINITs, once
// both have passed.
func (c *Conn) Negotiated() (Algorithms, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.algs, c.kexLogged
}

func (c *Conn) observe(s *stream, sent bool, p []byte) {
	if c.quiet.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.phase == phaseDone {
		return
	}
	for _, ev := range s.feed(p) {
		c.event(sent, ev)
	}
	if c.in.phase == phaseDone && c.out.phase == phaseDone {
		c.quiet.Store(true)
	}
}

func (c *Conn) logf(level config.LogLevel, format string, args ...any) {
	c.opts.Log.Logf(level, format, args...)
}

// event logs one event in ssh's words. Events of the two directions come
// in the order the transport happened to read and write them; the lines
// of one are held back where ssh's order depends on the other (the
// server's KEXINIT and NEWKEYS often arrive before gssh has sent its own).
func (c *Conn) event(sent bool, ev event) {
	switch ev.kind {
	case evLine:
		c.logf(config.LogDebug1, "kex_exchange_identification: banner line %d: %s", c.banner, ev.text)
		c.banner++
		return
	case evVersion:
		if sent {
			c.logf(config.LogDebug1, "Local version string %s", ev.text)
			return
		}
		proto, software := splitVersion(ev.text)
		c.logf(config.LogDebug1, "Remote protocol version %s, remote software version %s", proto, software)
		if c.opts.Host != "" {
			c.logf(config.LogDebug1, "Authenticating to %s:%d as '%s'", c.opts.Host, c.opts.Port, c.opts.User)
		}
		return
	}
	switch ev.payload[0] {
	case msgKexInit:
		k, err := ParseKexInit(ev.payload)
		if err != nil {
			return
		}
		if sent {
			c.client = k
		} else {
			c.server = k
		}
		c.logKexInit()
	case msgNewKeys:
		if sent {
			c.newKeysOut = true
			if c.algs.Strict {
				c.logf(config.LogDebug1, "ssh_packet_send2_wrapped: resetting send seqnr %d", ev.seq+1)
			}
			c.logf(config.LogDebug2, "ssh_set_newkeys: mode 1")
			if blocks := c.rekeyBlocks(c.algs.ClientToServer.Cipher); blocks > 0 {
				c.logf(config.LogDebug1, "rekey out after %d blocks", blocks)
			}
			c.logf(config.LogDebug1, "SSH2_MSG_NEWKEYS sent")
			c.logf(config.LogDebug1, "expecting SSH2_MSG_NEWKEYS")
		} else {
			c.newKeysInSeq = ev.seq
		}
		c.logNewKeysIn()
	case msgKexGexReqest:
		if sent && len(ev.payload) >= 13 {
			p := ev.payload[1:]
			c.logf(config.LogDebug1, "SSH2_MSG_KEX_DH_GEX_REQUEST(%d<%d<%d) sent",
				binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint32(p[8:]))
			c.logf(config.LogDebug1, "expecting SSH2_MSG_KEX_DH_GEX_GROUP")
		}
	case msgKexDHReply:
		if !sent && c.kexLogged {
			if gex(c.algs.Kex) {
				c.logf(config.LogDebug1, "SSH2_MSG_KEX_DH_GEX_GROUP received")
			} else {
				c.logf(config.LogDebug1, "SSH2_MSG_KEX_ECDH_REPLY received")
			}
		}
	case msgKexGexInit:
		if sent {
			c.logf(config.LogDebug1, "SSH2_MSG_KEX_DH_GEX_INIT sent")
			c.logf(config.LogDebug1, "expecting SSH2_MSG_KEX_DH_GEX_REPLY")
		}
	case msgKexGexReply:
		if !sent {
			c.logf(config.LogDebug1, "SSH2_MSG_KEX_DH_GEX_REPLY received")
		}
	}
}

// logKexInit logs the KEXINIT exchange and the negotiated algorithms
// once both KEXINITs have passed, as kex.c's kex_input_kexinit and
// kex_choose_conf do.
func (c *Conn) logKexInit() {
	if c.kexLogged || c.client == nil || c.server == nil {
		return
	}
	c.kexLogged = true
	c.algs = Negotiate(c.client, c.server)
	c.logf(config.LogDebug1, "SSH2_MSG_KEXINIT sent")
	c.logf(config.LogDebug1, "SSH2_MSG_KEXINIT received")
	for _, side := range []struct {
		title string
		k     *KexInit
	}{{"local client KEXINIT proposal", c.client}, {"peer server KEXINIT proposal", c.server}} {
		c.logf(config.LogDebug2, "%s", side.title)
		for i, name := range proposalNames {
			c.logf(config.LogDebug2, "%s: %s", name, side.k.Lists[i])
		}
		c.logf(config.LogDebug2, "first_kex_follows %d ", boolInt(side.k.FirstKexFollows))
		c.logf(config.LogDebug2, "reserved %d ", side.k.Reserved)
	}
	c.logf(config.LogDebug1, "kex: algorithm: %s", c.algs.Kex)
	c.logf(config.LogDebug1, "kex: host key algorithm: %s", c.algs.HostKey)
	for _, d := range []struct {
		name string
		d    Direction
	}{{"server->client", c.algs.ServerToClient}, {"client->server", c.algs.ClientToServer}} {
		c.logf(config.LogDebug1, "kex: %s cipher: %s MAC: %s compression: %s", d.name, d.d.Cipher, d.d.MAC, d.d.Compression)
	}
	if !gex(c.algs.Kex) && c.algs.Kex != noMatch {
		c.logf(config.LogDebug1, "expecting SSH2_MSG_KEX_ECDH_REPLY")
	}
}

// logNewKeysIn logs the server's NEWKEYS once gssh has sent its own: ssh
// reads it only then.
func (c *Conn) logNewKeysIn() {
	if c.newKeysInLog || !c.newKeysOut || c.newKeysInSeq < 0 {
		return
	}
	c.newKeysInLog = true
	if c.algs.Strict {
		c.logf(config.LogDebug1, "ssh_packet_read_poll2: resetting read seqnr %d", c.newKeysInSeq+1)
	}
	c.logf(config.LogDebug1, "SSH2_MSG_NEWKEYS received")
	c.logf(config.LogDebug2, "ssh_set_newkeys: mode 0")
	if blocks := c.rekeyBlocks(c.algs.ServerToClient.Cipher); blocks > 0 {
		c.logf(config.LogDebug1, "rekey in after %d blocks", blocks)
	}
}

// rekeyBlocks is the rekey volume in cipher blocks, as packet.c's
// ssh_set_newkeys logs it: the volume after which x/crypto rekeys (its
// default is 2^32 blocks of 16 bytes for AES and 1 GiB otherwise, the
// same as OpenSSH's) over the block size.
func (c *Conn) rekeyBlocks(cipher string) uint64 {
	bs := blockSize(cipher)
	if bs == 0 {
		return 0
	}
	bytes := c.opts.RekeyBytes
	if bytes == 0 {
		bytes = 1 << 30
		if bs == 16 {
			bytes = 16 << 32
		}
	}
	return bytes / bs
}

// splitVersion splits "SSH-2.0-software comments" into "2.0" and
// "software comments", as ssh's sscanf("SSH-%d.%d-%[^\n]") does.
func splitVersion(line string) (proto, software string) {
	rest := strings.TrimPrefix(line, "SSH-")
	proto, software, _ = strings.Cut(rest, "-")
	return proto, software
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LogServerHostKey logs the server's host key as kexgen.c does once the
// key exchange reply is in: "Server host key: TYPE FINGERPRINT", the
// type being the key's (or certificate's) SSH name and the fingerprint
// that of the plain key under FingerprintHash (hash "MD5" or SHA256).
func LogServerHostKey(log *sshlog.Logger, key ssh.PublicKey, hash string) {
	plain := key
	if cert, ok := key.(*ssh.Certificate); ok {
		plain = cert.Key
	}
	fp := ssh.FingerprintSHA256(plain)
	if hash == "MD5" {
		fp = "MD5:" + ssh.FingerprintLegacyMD5(plain)
	}
	log.Logf(config.LogDebug1, "Server host key: %s %s", key.Type(), fp)
}
