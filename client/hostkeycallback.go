package client

import (
	"net"

	"golang.org/x/crypto/ssh"
)

// callback is the ssh.HostKeyCallback of one Dial, doing what OpenSSH
// does with a server's key in its order: RequiredRSASize first
// (verify_host_key_callback), then the keys of KnownHostsCommand are
// added to the files' (check_host_key), then the verdict (verify).
func (v *hostKeyVerifier) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if bits, small := rsaTooSmall(v.cfg, key); small {
		return &KeySizeError{Bits: bits, Required: max(v.cfg.RequiredRSASize, minRSABits)}
	}
	ipName := v.name
	if tcp, ok := remote.(*net.TCPAddr); ok {
		ipName = knownHostsName(tcp.IP.String(), v.cfg.Port)
	}
	if err := v.loadCommandKeys(ipName, key); err != nil {
		return err
	}
	return v.verify(hostname, remote, key)
}
