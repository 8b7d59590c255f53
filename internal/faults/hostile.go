package faults

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// HostileTexts are the strings a hostile server sends during
// authentication; sshd cannot send arbitrary bytes in them (it cuts its
// Banner file at the first NUL and writes its own keyboard-interactive
// texts).
type HostileTexts struct {
	// Banner is sent as SSH_MSG_USERAUTH_BANNER before authentication.
	Banner string
	// Name, Instruction and Prompt make one keyboard-interactive
	// challenge (RFC 4256) with a single prompt, echo off. The answer is
	// rejected.
	Name, Instruction, Prompt string
}

// HostileAuthServer starts an x/crypto/ssh server that sends texts and
// refuses every login. It returns the server's address and host key; the
// connections end with the test.
func HostileAuthServer(t testing.TB, texts HostileTexts) (string, ssh.PublicKey) {
	t.Helper()
	signer := hostSigner(t)
	cfg := &ssh.ServerConfig{
		BannerCallback: func(ssh.ConnMetadata) string { return texts.Banner },
		KeyboardInteractiveCallback: func(_ ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			if _, err := ask(texts.Name, texts.Instruction, []string{texts.Prompt}, []bool{false}); err != nil {
				return nil, err
			}
			return nil, errors.New("faults: refused")
		},
	}
	cfg.AddHostKey(signer)
	addr := serve(t, func(c net.Conn) {
		ssh.NewServerConn(c, cfg)
	})
	return addr, signer.PublicKey()
}

// DisconnectServer starts a server that answers the client's version line
// with its own and then SSH_MSG_DISCONNECT with reason and message, in the
// clear as the transport allows before key exchange (RFC 4253 §11.1). It
// returns host:port.
func DisconnectServer(t testing.TB, reason uint32, message string) string {
	t.Helper()
	payload := []byte{1} // SSH_MSG_DISCONNECT
	payload = binary.BigEndian.AppendUint32(payload, reason)
	payload = binary.BigEndian.AppendUint32(payload, uint32(len(message)))
	payload = append(payload, message...)
	payload = binary.BigEndian.AppendUint32(payload, 0) // language tag
	// RFC 4253 §6: at least 4 bytes of padding, the whole packet a
	// multiple of 8 bytes; no MAC before the first key exchange.
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	packet := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	packet = append(packet, byte(pad))
	packet = append(packet, payload...)
	packet = append(packet, make([]byte, pad)...)
	return serve(t, func(c net.Conn) {
		if _, err := io.WriteString(c, FakeBanner); err != nil {
			return
		}
		r := bufio.NewReader(c)
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		if _, err := c.Write(packet); err != nil {
			return
		}
		// Read until the client hangs up, so that closing first cannot
		// turn its unread KEXINIT into a reset.
		io.Copy(io.Discard, r)
	})
}

// serve accepts connections on a loopback port and runs handle for each;
// everything is closed when the test ends.
func serve(t testing.TB, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// HostileSession is what HostileSessionServer says to a client that has
// logged in.
type HostileSession struct {
	// OpenFailure is the message with which every direct-tcpip channel
	// (-L, -D, -W) is refused as administratively prohibited.
	OpenFailure string
	// ForwardedPath, if set, is the socket path of a
	// forwarded-streamlocal@openssh.com channel opened to the client
	// when it starts a command, before the command is answered.
	ForwardedPath string
	// RequestType, if set, names a channel request sent on the session
	// before its exit-status.
	RequestType string
	// Version, if set, is the server's version line, without "\r\n".
	Version string
}

// HostileSessionServer starts an x/crypto/ssh server that lets anyone in
// without authentication, grants every global request, runs every command
// with exit status 0 and says what hs holds. It returns the address and
// the host key.
func HostileSessionServer(t testing.TB, hs HostileSession) (string, ssh.PublicKey) {
	t.Helper()
	signer := hostSigner(t)
	cfg := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: hs.Version}
	cfg.AddHostKey(signer)
	addr := serve(t, func(c net.Conn) {
		sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
		if err != nil {
			return
		}
		defer sc.Close()
		go func() {
			for r := range reqs {
				r.Reply(r.WantReply, nil)
			}
		}()
		for nc := range chans {
			if nc.ChannelType() != "session" {
				nc.Reject(ssh.Prohibited, hs.OpenFailure)
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				return
			}
			go runHostileSession(sc, ch, creqs, hs)
		}
	})
	return addr, signer.PublicKey()
}

// runHostileSession answers a session channel's requests; exec and shell
// end at once with status 0, after hs's forwarded channel and request.
func runHostileSession(sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request, hs HostileSession) {
	defer ch.Close()
	for r := range reqs {
		if r.Type != "exec" && r.Type != "shell" {
			r.Reply(r.WantReply, nil)
			continue
		}
		if hs.ForwardedPath != "" {
			extra := ssh.Marshal(struct {
				Path     string
				Reserved string
			}{hs.ForwardedPath, ""})
			if fc, freqs, err := sc.OpenChannel("forwarded-streamlocal@openssh.com", extra); err == nil {
				go ssh.DiscardRequests(freqs)
				fc.Close()
			}
		}
		r.Reply(true, nil)
		if hs.RequestType != "" {
			ch.SendRequest(hs.RequestType, false, nil)
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
		return
	}
}

// hostSigner makes a fresh Ed25519 host key for a fake server.
func hostSigner(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}
