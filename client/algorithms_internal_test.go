package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"slices"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// TestRekeyThreshold pins how RekeyLimit's volume becomes x/crypto's
// RekeyThreshold: as is, capped at the smallest cipher default among the
// ciphers that may be negotiated (1 GiB unless only AES, 64 GiB for AES),
// 0 (the cipher's default) for "default".
func TestRekeyThreshold(t *testing.T) {
	for _, tc := range []struct {
		limit   int64
		ciphers []string
		want    uint64
	}{
		{0, nil, 0},
		{16, nil, 16}, // x/crypto raises it to 256 itself
		{1 << 20, nil, 1 << 20},
		{4 << 30, nil, 1 << 30}, // x/crypto's default list has chacha20-poly1305
		{4 << 30, []string{"aes128-gcm@openssh.com", "aes256-ctr"}, 4 << 30},
		{100 << 30, []string{"aes128-ctr"}, 64 << 30},
		{4 << 30, []string{"aes128-ctr", "chacha20-poly1305@openssh.com"}, 1 << 30},
		{4 << 30, []string{"3des-cbc"}, 1 << 30},
	} {
		cfg := &config.Config{RekeyLimit: tc.limit, Ciphers: tc.ciphers}
		if got := rekeyThreshold(cfg); got != tc.want {
			t.Errorf("RekeyLimit %d, Ciphers %q: threshold %d, want %d", tc.limit, tc.ciphers, got, tc.want)
		}
	}
}

// TestHostKeyProposal: what x/crypto cannot verify is left out of
// KEXINIT, and a list left empty is sent as an empty name-list rather
// than replaced by x/crypto's defaults.
func TestHostKeyProposal(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"ssh-ed25519", "ssh-dss", "rsa-sha2-512"}, []string{"ssh-ed25519", "rsa-sha2-512"}},
		{[]string{"sk-ssh-ed25519@openssh.com", "ssh-dss-cert-v01@openssh.com"}, []string{"sk-ssh-ed25519@openssh.com"}},
		{[]string{"ssh-dss"}, []string{""}},
	} {
		if got := hostKeyProposal(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("hostKeyProposal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := string(ssh.Marshal(struct{ Names []string }{hostKeyProposal([]string{"ssh-dss"})})); got != "\x00\x00\x00\x00" {
		t.Errorf("the proposal of nothing marshals as %q, want the empty name-list", got)
	}
}

// TestSignatureAlgorithmsFollowConfig: an RSA key (or certificate) signs
// with the algorithms PubkeyAcceptedAlgorithms allows, in its order
// (sshconnect2.c key_sig_algorithm), not x/crypto's rsa-sha2-256 first.
func TestSignatureAlgorithmsFollowConfig(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := ssh.NewSignerFromKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edSigner, err := ssh.NewSignerFromKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: rsaSigner.PublicKey(), CertType: ssh.UserCert, ValidPrincipals: []string{"u"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, edSigner); err != nil {
		t.Fatal(err)
	}
	certSigner, err := ssh.NewCertSigner(cert, rsaSigner)
	if err != nil {
		t.Fatal(err)
	}
	defaults := config.DefaultHostKeyAlgorithms() // the same list as PubkeyAcceptedAlgorithms' default
	for _, tc := range []struct {
		name     string
		signer   ssh.Signer
		accepted []string
		want     []string // nil: the signer is returned as it is
	}{
		{"rsa, defaults", rsaSigner, defaults, []string{"rsa-sha2-512", "rsa-sha2-256"}},
		{"rsa, sha2-256 first", rsaSigner, []string{"ssh-ed25519", "rsa-sha2-256", "rsa-sha2-512"}, []string{"rsa-sha2-256", "rsa-sha2-512"}},
		{"rsa, ssh-rsa only", rsaSigner, []string{"ssh-rsa"}, []string{"ssh-rsa"}},
		{"rsa, pattern", rsaSigner, []string{"rsa-sha2-*"}, []string{"rsa-sha2-512", "rsa-sha2-256"}},
		{"rsa cert, defaults", certSigner, defaults, []string{"rsa-sha2-512", "rsa-sha2-256"}},
		{"rsa cert, ssh-rsa cert", certSigner, []string{"rsa-sha2-512", "ssh-rsa-cert-v01@openssh.com"}, []string{"ssh-rsa"}},
		{"rsa, no config", rsaSigner, nil, nil},
		{"ed25519", edSigner, defaults, nil},
	} {
		got := withSignatureAlgorithms(tc.signer, tc.accepted)
		m, restricted := got.(ssh.MultiAlgorithmSigner)
		switch {
		case tc.want == nil && got != tc.signer:
			t.Errorf("%s: signer replaced", tc.name)
		case tc.want != nil && !restricted:
			t.Errorf("%s: signer not restricted", tc.name)
		case tc.want != nil && !slices.Equal(m.Algorithms(), tc.want):
			t.Errorf("%s: algorithms %q, want %q", tc.name, m.Algorithms(), tc.want)
		}
	}
}
