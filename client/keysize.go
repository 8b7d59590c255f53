package client

import (
	"crypto/rsa"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// minRSABits is OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: smaller RSA keys
// are refused whatever RequiredRSASize says.
const minRSABits = 1024

// KeySizeError reports a server host key refused by RequiredRSASize, with
// ssh's fatal message (sshconnect2.c verify_host_key_callback, before any
// known_hosts lookup).
type KeySizeError struct {
	Bits, Required int
}

func (e *KeySizeError) Error() string { return "Bad server host key: Invalid key length" }

// rsaTooSmall is sshkey_check_rsa_length: an RSA key, or a certificate on
// one, whose modulus is shorter than RequiredRSASize (or 1024 bits). bits
// is the key's size, 0 for a key that is not RSA.
func rsaTooSmall(cfg *config.Config, key ssh.PublicKey) (bits int, small bool) {
	if _, ok := key.(ssh.CryptoPublicKey); !ok {
		// An agent's key (plain or certificate) is only its blob.
		if parsed, err := ssh.ParsePublicKey(key.Marshal()); err == nil {
			key = parsed
		}
	}
	if c, ok := key.(*ssh.Certificate); ok {
		key = c.Key
	}
	ck, ok := key.(ssh.CryptoPublicKey)
	if !ok {
		return 0, false
	}
	pub, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
	if !ok {
		return 0, false
	}
	bits = pub.N.BitLen()
	return bits, bits < max(cfg.RequiredRSASize, minRSABits)
}

// keySizeOK is ssh.c check_load for a public key read before connecting:
// an RSA key shorter than RequiredRSASize is reported ("load pubkey",
// "load certificate") and not offered. The private key may still be tried
// without it, and is refused by loadPrivate.
func (a *authenticator) keySizeOK(pub ssh.PublicKey, path, what string) bool {
	if _, small := rsaTooSmall(a.cfg, pub); small {
		a.log.Logf(config.LogError, "load %s \"%s\": Invalid key length", what, path)
		return false
	}
	return true
}
