package knownhosts

import (
	"net"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/keys"
)

// Check is the ssh.HostKeyCallback of the connection, doing what OpenSSH
// does with a server's key in its order: RequiredRSASize first
// (verify_host_key_callback), then RevokedHostKeys (verify_host_key),
// then NoHostAuthenticationForLocalhost, the keys of KnownHostsCommand
// added to the files' and the verdict (check_host_key).
func (v *Verifier) Check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if bits, small := keys.RSATooSmall(v.cfg, key); small {
		return &KeySizeError{Bits: bits, Required: max(v.cfg.RequiredRSASize, keys.MinRSABits)}
	}
	if err := v.checkRevokedFile(key); err != nil {
		return err
	}
	ipName, loopback, checkIP := v.address(remote)
	if loopback && v.cfg.NoHostAuthenticationForLocalhost && v.cfg.HostKeyAlias == "" {
		v.log.Logf(config.LogDebug1, "Forcing accepting of host key for loopback/localhost.")
		v.disableUpdate(config.LogDebug1, "")
		return nil
	}
	if err := v.loadCommandKeys(ipName, checkIP, key); err != nil {
		return err
	}
	return v.verify(hostname, remote, key)
}

// KeySizeError reports a server host key refused by RequiredRSASize, with
// ssh's fatal message (sshconnect2.c verify_host_key_callback, before any
// known_hosts lookup).
type KeySizeError struct {
	Bits, Required int
}

func (e *KeySizeError) Error() string { return "Bad server host key: Invalid key length" }
