//go:build unix

package knownhosts

import (
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

func authorizedText(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// TestCheckHostIPRecordsWhatSSHRecords: with CheckHostIP=yes, a known
// plain key gets its address recorded beside the name, but neither a
// loopback address nor the address of a server whose certificate a CA
// vouched for: check_host_key turns the address check off for loopback
// and never loads the address's entries for a certificate. sshd on this
// machine listens only on loopback, so the other addresses are given to
// the verifier directly; cmd/gssh compares the loopback case with ssh.
func TestCheckHostIPRecordsWhatSSHRecords(t *testing.T) {
	ca, host := ed25519Signer(t), ed25519Signer(t)
	cert := &ssh.Certificate{Key: host.PublicKey(), CertType: ssh.HostCert, KeyId: "h",
		ValidPrincipals: []string{"host.example"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	remote := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 22}
	loopback := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 22}
	cases := []struct {
		name   string
		known  string
		remote net.Addr
		key    ssh.PublicKey
		added  string // the line gssh must append, if any
	}{
		{"plain key", "host.example " + authorizedText(host.PublicKey()), remote, host.PublicKey(), "192.0.2.1 " + authorizedText(host.PublicKey())},
		{"plain key on loopback", "host.example " + authorizedText(host.PublicKey()), loopback, host.PublicKey(), ""},
		{"certificate", "@cert-authority host.example " + authorizedText(ca.PublicKey()), remote, cert, ""},
		{"certificate, plain key known", "host.example " + authorizedText(host.PublicKey()), remote, cert, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kh := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(kh, []byte(c.known+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Resolve(config.Request{Host: "host.example", ConfigFile: "none", Options: []string{
				"CheckHostIP yes", "StrictHostKeyChecking yes", "UserKnownHostsFile " + kh, "GlobalKnownHostsFile /dev/null",
			}})
			if err != nil {
				t.Fatal(err)
			}
			v := New(Options{Config: cfg, HomeDir: t.TempDir()})
			if err := v.verify("host.example:22", c.remote, c.key); err != nil {
				t.Fatalf("verify: %v", err)
			}
			b, err := os.ReadFile(kh)
			if err != nil {
				t.Fatal(err)
			}
			want := c.known + "\n"
			if c.added != "" {
				want += c.added + "\n"
			}
			if string(b) != want {
				t.Errorf("known_hosts:\n%s\nwant:\n%s", b, want)
			}
		})
	}
}
