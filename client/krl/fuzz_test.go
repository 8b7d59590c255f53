package krl_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/krl"
)

// FuzzKRL feeds arbitrary files to Parse and Check: neither may panic or
// hang, and a KRL that parses answers the same through both.
func FuzzKRL(f *testing.F) {
	_, caPriv, _ := ed25519.GenerateKey(rand.Reader)
	ca, err := ssh.NewSignerFromKey(caPriv)
	if err != nil {
		f.Fatal(err)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	plain, _ := ssh.NewPublicKey(pub)
	cert := &ssh.Certificate{Key: plain, Serial: 5, CertType: ssh.HostCert, KeyId: "id", ValidPrincipals: []string{"h"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		f.Fatal(err)
	}
	keys := []ssh.PublicKey{plain, cert, ca.PublicKey()}

	f.Add([]byte(header()))
	f.Add([]byte(append(header(), certSection(ca.PublicKey(), sub(0x20, wire(nil).u64(5).u64(9)), sub(0x21, wire(nil).u64(10).u64(20)),
		sub(0x22, wire(nil).u64(100).str([]byte{0x05, 0xff})), sub(0x23, wire(nil).str([]byte("id"))))...)))
	f.Add([]byte(append(header(), certSection(nil, sub(0x23, wire(nil).str([]byte("x"))))...)))
	f.Add([]byte(append(header(), wire(nil).sect(2, wire(nil).str(plain.Marshal()))...)))
	f.Add([]byte(append(header(), wire(nil).sect(3, wire(nil).str(make([]byte, 20)))...)))
	f.Add([]byte(append(header(), wire(nil).sect(5, wire(nil).str(make([]byte, 32)))...)))
	f.Add([]byte(append(header(), wire(nil).u8(4).str(ca.PublicKey().Marshal()).str(nil)...)))
	f.Add(ssh.MarshalAuthorizedKey(plain))
	f.Add(append([]byte("# comment\n\n  "), ssh.MarshalAuthorizedKey(cert)...))
	f.Add([]byte("ssh-ed25519 AAAA\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := krl.Parse(data)
		for _, k := range keys {
			revoked, cerr := krl.Check(data, k)
			if err == nil && (cerr != nil || revoked != l.Revoked(k)) {
				t.Fatalf("Check %v %v, Parse then Revoked %v", revoked, cerr, l.Revoked(k))
			}
			if cerr != nil && revoked {
				t.Fatal("revoked with an error")
			}
		}
	})
}
