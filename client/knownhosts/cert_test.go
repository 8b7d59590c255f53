package knownhosts

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// TestHostCertificateSignatureVerified: the CA's signature over the whole
// certificate is checked (OpenSSH checks it when it parses the key), also
// for a certificate without principals, which x/crypto's CertChecker
// would refuse before looking at the signature. A certificate altered
// after signing is refused.
func TestHostCertificateSignatureVerified(t *testing.T) {
	ca, host := ed25519Signer(t), ed25519Signer(t)
	cert := &ssh.Certificate{Key: host.PublicKey(), CertType: ssh.HostCert, KeyId: "h",
		ValidBefore: ssh.CertTimeInfinity, SignatureKey: ca.PublicKey(), Nonce: make([]byte, 32)}
	sig, err := ca.Sign(rand.Reader, signedBytes(cert))
	if err != nil {
		t.Fatal(err)
	}
	cert.Signature = sig
	cfg, err := config.Resolve(config.Request{Host: "host.example", ConfigFile: "none"})
	if err != nil {
		t.Fatal(err)
	}
	v := New(Options{Config: cfg})
	if err := v.validCert(cert); err != nil {
		t.Errorf("certificate without principals: %v", err)
	}
	cert.KeyId = "altered"
	if err := v.validCert(cert); err == nil {
		t.Error("altered certificate accepted")
	}
	cert.KeyId = "h"
	cert.ValidPrincipals = []string{"host.example"}
	if err := v.validCert(cert); err == nil {
		t.Error("certificate with a principal added after signing accepted")
	}
}

// ed25519Signer makes a fresh Ed25519 key for a test CA or host.
func ed25519Signer(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
