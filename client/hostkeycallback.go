package client

import (
	"net"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// callback is the ssh.HostKeyCallback of one Dial, doing what OpenSSH
// does with a server's key in its order: RequiredRSASize first
// (verify_host_key_callback), then RevokedHostKeys (verify_host_key),
// then NoHostAuthenticationForLocalhost, the keys of KnownHostsCommand
// added to the files' and the verdict (check_host_key).
func (v *hostKeyVerifier) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if bits, small := rsaTooSmall(v.cfg, key); small {
		return &KeySizeError{Bits: bits, Required: max(v.cfg.RequiredRSASize, minRSABits)}
	}
	if err := v.checkRevokedFile(key); err != nil {
		return err
	}
	ipName, loopback, checkIP := v.address(remote)
	if loopback && v.cfg.NoHostAuthenticationForLocalhost && v.cfg.HostKeyAlias == "" {
		v.log.Logf(config.LogDebug1, "Forcing accepting of host key for loopback/localhost.")
		return nil
	}
	if err := v.loadCommandKeys(ipName, checkIP, key); err != nil {
		return err
	}
	return v.verify(hostname, remote, key)
}
