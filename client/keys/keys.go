package keys

import (
	"bytes"
	"crypto/rsa"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// MinRSABits is OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: smaller RSA keys
// are refused whatever RequiredRSASize says.
const MinRSABits = 1024

// RSATooSmall is sshkey_check_rsa_length: an RSA key, or a certificate on
// one, whose modulus is shorter than RequiredRSASize (or 1024 bits). bits
// is the key's size, 0 for a key that is not RSA.
func RSATooSmall(cfg *config.Config, key ssh.PublicKey) (bits int, small bool) {
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
	return bits, bits < max(cfg.RequiredRSASize, MinRSABits)
}

// Same compares key material, ignoring any certificate around it
// (OpenSSH's sshkey_equal_public).
func Same(a, b ssh.PublicKey) bool {
	return bytes.Equal(plain(a).Marshal(), plain(b).Marshal())
}

// plain is the key inside a certificate, or the key itself. An agent
// lists its certificates as blobs only, which are parsed first.
func plain(k ssh.PublicKey) ssh.PublicKey {
	if _, ok := k.(*ssh.Certificate); !ok && strings.HasSuffix(k.Type(), "-cert-v01@openssh.com") {
		if parsed, err := ssh.ParsePublicKey(k.Marshal()); err == nil {
			k = parsed
		}
	}
	if c, ok := k.(*ssh.Certificate); ok {
		return c.Key
	}
	return k
}
