package kexlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

func TestParseKexInitRoundTrip(t *testing.T) {
	k := &KexInit{FirstKexFollows: true, Reserved: 7}
	for i := range k.Lists {
		k.Lists[i] = strings.Repeat("x", i) + ",y"
	}
	got, err := ParseKexInit(MarshalKexInit(k))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, k) {
		t.Errorf("got %+v, want %+v", got, k)
	}
	for n := 0; n < len(MarshalKexInit(k)); n++ {
		if _, err := ParseKexInit(MarshalKexInit(k)[:n]); err == nil {
			t.Errorf("a KEXINIT cut at %d bytes parsed", n)
		}
	}
}

// TestNegotiate: the client's first name the server also has, per kind;
// AEAD ciphers have an implicit MAC; no common name is "(no match)";
// strict kex needs both markers.
func TestNegotiate(t *testing.T) {
	c := &KexInit{Lists: [10]string{
		"curve25519-sha256,ecdh-sha2-nistp256,ext-info-c,kex-strict-c-v00@openssh.com", "ssh-ed25519,rsa-sha2-512",
		"aes128-gcm@openssh.com,aes128-ctr", "aes256-ctr,chacha20-poly1305@openssh.com",
		"hmac-sha2-256", "hmac-sha2-512,hmac-sha2-256", "none", "none", "", ""}}
	s := &KexInit{Lists: [10]string{
		"ecdh-sha2-nistp256,curve25519-sha256,kex-strict-s-v00@openssh.com", "rsa-sha2-512",
		"aes128-ctr,aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com,aes256-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none,zlib@openssh.com", "zlib", "", ""}}
	got := Negotiate(c, s)
	want := Algorithms{
		Kex: "curve25519-sha256", HostKey: "rsa-sha2-512",
		ClientToServer: Direction{"aes128-gcm@openssh.com", "<implicit>", "none"},
		ServerToClient: Direction{"aes256-ctr", "hmac-sha2-256", noMatch},
		Strict:         true,
	}
	if got != want {
		t.Errorf("Negotiate = %+v, want %+v", got, want)
	}
	s.Lists[0] = "curve25519-sha256"
	if Negotiate(c, s).Strict {
		t.Error("strict kex without the server's marker")
	}
}

// TestStreamChunks: events are the same however the bytes are split.
func TestStreamChunks(t *testing.T) {
	wire := sampleWire()
	var whole stream
	want := whole.feed(wire)
	if len(want) != 5 || want[0].kind != evLine || want[1].kind != evVersion || want[4].payload[0] != msgNewKeys {
		t.Fatalf("events %+v", want)
	}
	for size := 1; size < 9; size++ {
		var s stream
		var got []event
		for p := wire; len(p) > 0; p = p[min(size, len(p)):] {
			got = append(got, s.feed(p[:min(size, len(p))])...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("in chunks of %d: %+v", size, got)
		}
	}
}

// sampleWire is a server's start: a banner line, its version, KEXINIT,
// a reply and NEWKEYS, then encrypted noise.
func sampleWire() []byte {
	k := &KexInit{Lists: [10]string{"curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none"}}
	b := []byte("hello\r\nSSH-2.0-test x\r\n")
	b = appendPacket(b, MarshalKexInit(k))
	b = appendPacket(b, []byte{msgKexDHReply, 1, 2, 3})
	b = appendPacket(b, []byte{msgNewKeys})
	return append(b, 0xff, 0xff, 0xff, 0xff, 1, 2, 3)
}

func appendPacket(b, payload []byte) []byte {
	pad := 4 + (8-(5+len(payload))%8)%8
	b = binary.BigEndian.AppendUint32(b, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

// TestAgainstXCrypto runs a real x/crypto handshake through the observer
// and checks its lines, in ssh's order, and that the algorithms it
// computed are those x/crypto negotiated.
func TestAgainstXCrypto(t *testing.T) {
	for _, tc := range []struct {
		kex, cipher string
		lines       []string
	}{
		{"curve25519-sha256", "aes128-gcm@openssh.com", []string{"expecting SSH2_MSG_KEX_ECDH_REPLY", "SSH2_MSG_KEX_ECDH_REPLY received"}},
		{"diffie-hellman-group-exchange-sha256", "chacha20-poly1305@openssh.com", []string{
			"SSH2_MSG_KEX_DH_GEX_REQUEST(2048<2048<8192) sent", "expecting SSH2_MSG_KEX_DH_GEX_GROUP",
			"SSH2_MSG_KEX_DH_GEX_GROUP received", "SSH2_MSG_KEX_DH_GEX_INIT sent",
			"expecting SSH2_MSG_KEX_DH_GEX_REPLY", "SSH2_MSG_KEX_DH_GEX_REPLY received"}},
	} {
		t.Run(tc.kex, func(t *testing.T) {
			var logged bytes.Buffer
			log := sshlog.New(&logged, config.LogDebug1)
			var hostKeyLogged int
			c, conn := handshake(t, func(n net.Conn) net.Conn {
				return Wrap(n, Options{Log: log, Host: "h", Port: 22, User: "u"})
			}, tc.kex, tc.cipher, func() { hostKeyLogged = logged.Len() })
			lines := strings.Split(strings.TrimSuffix(logged.String(), "\r\n"), "\r\n")
			want := slices.Concat([]string{
				"debug1: Local version string SSH-2.0-Go",
				"debug1: Remote protocol version 2.0, remote software version testserver",
				"debug1: Authenticating to h:22 as 'u'",
				"debug1: SSH2_MSG_KEXINIT sent",
				"debug1: SSH2_MSG_KEXINIT received",
				"debug1: kex: algorithm: " + tc.kex,
				"debug1: kex: host key algorithm: ssh-ed25519",
				"debug1: kex: server->client cipher: " + tc.cipher + " MAC: <implicit> compression: none",
				"debug1: kex: client->server cipher: " + tc.cipher + " MAC: <implicit> compression: none",
			}, prefixed(tc.lines))
			if len(lines) < len(want) || !slices.Equal(lines[:len(want)], want) {
				t.Fatalf("logged:\n%s\nwant first:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			// The host key callback ran after the reply was logged and
			// before NEWKEYS.
			if hostKeyLogged == 0 || !strings.HasSuffix(logged.String()[:hostKeyLogged], "received\r\n") {
				t.Errorf("host key checked at %q", logged.String()[:hostKeyLogged])
			}
			tail := strings.Join(lines[len(want):], "\n")
			for _, l := range []string{"SSH2_MSG_NEWKEYS sent", "expecting SSH2_MSG_NEWKEYS", "SSH2_MSG_NEWKEYS received", "rekey in after"} {
				if !strings.Contains(tail, l) {
					t.Errorf("no %q after the kex lines:\n%s", l, tail)
				}
			}
			am, ok := c.(ssh.AlgorithmsConnMetadata)
			if !ok {
				t.Fatal("x/crypto's connection has no Algorithms")
			}
			got, _ := conn.Negotiated()
			xa := am.Algorithms()
			if got.Kex != xa.KeyExchange || got.HostKey != xa.HostKey || got.ClientToServer.Cipher != xa.Write.Cipher || got.ServerToClient.Cipher != xa.Read.Cipher {
				t.Errorf("observer computed %+v, x/crypto negotiated %+v", got, xa)
			}
			sent, recvd, _ := conn.Traffic()
			if sent == 0 || recvd == 0 {
				t.Errorf("traffic %d/%d", sent, recvd)
			}
		})
	}
}

func prefixed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "debug1: " + l
	}
	return out
}

// handshake connects an x/crypto client through wrap to an x/crypto
// server on loopback TCP and returns the client's connection.
func handshake(t *testing.T, wrap func(net.Conn) net.Conn, kex, cipher string, onHostKey func()) (ssh.Conn, *Conn) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		sc, err := l.Accept()
		if err != nil {
			return
		}
		defer sc.Close()
		cfg := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: "SSH-2.0-testserver"}
		cfg.KeyExchanges = []string{kex}
		cfg.Ciphers = []string{cipher}
		cfg.AddHostKey(signer)
		conn, chans, reqs, err := ssh.NewServerConn(sc, cfg)
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		go func() {
			for ch := range chans {
				ch.Reject(ssh.Prohibited, "")
			}
		}()
		conn.Wait()
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	w := wrap(raw)
	c, _, _, err := ssh.NewClientConn(w, "h:22", &ssh.ClientConfig{
		User:          "u",
		ClientVersion: "SSH-2.0-Go",
		Config:        ssh.Config{KeyExchanges: []string{kex}, Ciphers: []string{cipher}},
		HostKeyCallback: func(string, net.Addr, ssh.PublicKey) error {
			onHostKey()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, w.(*Conn)
}

// FuzzParseKexInit: no input panics, and what parses marshals back to a
// KEXINIT that parses the same.
func FuzzParseKexInit(f *testing.F) {
	f.Add(MarshalKexInit(&KexInit{Lists: [10]string{"a", "b"}}))
	f.Add([]byte{msgKexInit})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKexInit(b)
		if err != nil {
			return
		}
		again, err := ParseKexInit(MarshalKexInit(k))
		if err != nil || !reflect.DeepEqual(again, k) {
			t.Fatalf("round trip of %+v: %+v, %v", k, again, err)
		}
		_ = Negotiate(k, k)
	})
}

// FuzzStream: no input panics, and the events do not depend on how the
// bytes are split.
func FuzzStream(f *testing.F) {
	f.Add(sampleWire(), uint8(3))
	f.Add([]byte("SSH-2.0-x\n\x00\x00\x00\x05\x04\x15"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, size uint8) {
		var whole, parts stream
		want := whole.feed(b)
		n := int(size%16) + 1
		var got []event
		for p := b; len(p) > 0; p = p[min(n, len(p)):] {
			got = append(got, parts.feed(p[:min(n, len(p))])...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split by %d: %+v, whole: %+v", n, got, want)
		}
		var logged bytes.Buffer
		c := &Conn{opts: Options{Log: sshlog.New(&logged, config.LogDebug3)}, newKeysInSeq: -1}
		for _, ev := range want {
			c.event(false, ev)
			c.event(true, ev)
		}
	})
}

// TestHostileServerText: the server's lines before its version, its
// version and its algorithm names reach the log only through sshlog,
// escaped as ssh's log.c escapes them.
func TestHostileServerText(t *testing.T) {
	var logged bytes.Buffer
	c := &Conn{opts: Options{Log: sshlog.New(&logged, config.LogDebug3)}, newKeysInSeq: -1}
	evil := "x\x1b]0;pwned\x07\x9b2J"
	k := &KexInit{Lists: [10]string{evil, evil, evil, evil, evil, evil, evil, evil, evil, evil}}
	wire := []byte(evil + "\r\nSSH-2.0-" + evil + "\r\n")
	wire = appendPacket(wire, MarshalKexInit(k))
	c.observe(&c.in, false, wire)
	c.observe(&c.out, true, appendPacket([]byte("SSH-2.0-me\r\n"), MarshalKexInit(k)))
	out := logged.String()
	// BEL stays, as log.c's VIS_SAFE leaves it.
	if strings.IndexByte(out, 0x1b) >= 0 || strings.IndexByte(out, 0x9b) >= 0 {
		t.Fatalf("raw ESC or CSI in the log: %q", out)
	}
	shown := `x\033]0;pwned` + "\a" + `\2332J`
	for _, want := range []string{
		"debug1: kex_exchange_identification: banner line 0: " + shown,
		"debug1: Remote protocol version 2.0, remote software version " + shown,
		"debug2: KEX algorithms: " + shown,
		"debug1: kex: algorithm: " + shown,
	} {
		if !strings.Contains(out, want+"\r\n") {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// TestStreamGivesUp: a peer cannot make the observer hold more than a
// line's or a packet's limit; past it the stream is no longer parsed.
func TestStreamGivesUp(t *testing.T) {
	var s stream
	s.feed(bytes.Repeat([]byte("a"), maxLine+1))
	if s.phase != phaseDone || s.buf != nil {
		t.Errorf("a long line: phase %v, %d bytes held", s.phase, len(s.buf))
	}
	s = stream{}
	s.feed([]byte("SSH-2.0-x\r\n\x7f\xff\xff\xff\x00"))
	if s.phase != phaseDone || s.buf != nil {
		t.Errorf("a huge packet length: phase %v, %d bytes held", s.phase, len(s.buf))
	}
	if evs := s.feed(appendPacket(nil, []byte{msgKexInit})); evs != nil {
		t.Errorf("events after giving up: %+v", evs)
	}
}
