package faults

import (
	"net"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"
)

// FreezableServer starts an x/crypto/ssh server that lets anyone in
// without authentication, answers global requests as sshd answers
// keepalive@openssh.com (refused, but answered) and refuses channels,
// until freeze is called: from then on it answers nothing, sends nothing
// and confirms no channel, as a server behind a connection that died
// without a word would. It returns the address and the host key.
func FreezableServer(t testing.TB) (addr string, key ssh.PublicKey, freeze func()) {
	t.Helper()
	signer := hostSigner(t)
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	var frozen atomic.Bool
	addr = serve(t, func(c net.Conn) {
		sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
		if err != nil {
			return
		}
		defer sc.Close()
		go func() {
			for r := range reqs {
				if !frozen.Load() {
					r.Reply(false, nil)
				}
			}
		}()
		for nc := range chans {
			if !frozen.Load() {
				nc.Reject(ssh.Prohibited, "no sessions here")
			}
		}
	})
	return addr, signer.PublicKey(), func() { frozen.Store(true) }
}
