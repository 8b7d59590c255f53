//go:build unix

package knownhosts

import (
	"crypto/rand"
	"crypto/rsa"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// updateVerifier is a Verifier for host.example at 192.0.2.1 (an address
// sshd on this machine cannot have: CheckHostIP is off for loopback)
// whose host key known has verified, with UpdateHostKeys=yes.
func updateVerifier(t *testing.T, known string, key ssh.PublicKey, options ...string) (*Verifier, string) {
	t.Helper()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(kh, []byte(known), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Resolve(config.Request{Host: "host.example", ConfigFile: "none", Options: append(options,
		"UpdateHostKeys yes", "StrictHostKeyChecking yes", "UserKnownHostsFile "+kh, "GlobalKnownHostsFile /dev/null")})
	if err != nil {
		t.Fatal(err)
	}
	v := New(Options{Config: cfg, HomeDir: t.TempDir()})
	if err := v.verify("host.example:22", &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 22}, key); err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v, kh
}

// announcement is a hostkeys-00@openssh.com payload.
func announcement(keys ...ssh.PublicKey) []byte {
	var b []byte
	for _, k := range keys {
		b = append(b, ssh.Marshal(struct{ Blob []byte }{k.Marshal()})...)
	}
	return b
}

// proof is the server's answer to hostkeys-prove-00@openssh.com: each
// signer signs over sessionID with the algorithm given (or its default).
func proof(t *testing.T, sessionID []byte, signers []ssh.Signer, algos ...string) []byte {
	t.Helper()
	var b []byte
	for i, s := range signers {
		data := ssh.Marshal(struct {
			Name      string
			SessionID []byte
			Key       []byte
		}{ProveRequest, sessionID, s.PublicKey().Marshal()})
		var sig *ssh.Signature
		var err error
		if i < len(algos) && algos[i] != "" {
			sig, err = s.(ssh.AlgorithmSigner).SignWithAlgorithm(rand.Reader, data, algos[i])
		} else {
			sig, err = s.Sign(rand.Reader, data)
		}
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, ssh.Marshal(struct{ Sig []byte }{ssh.Marshal(sig)})...)
	}
	return b
}

func rsaSigner(t *testing.T) ssh.Signer {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUpdateHostKeysProofChecked: a new key is added only when the
// server's signature over "hostkeys-prove-00@openssh.com", this
// connection's session identifier and the key verifies; any bad
// signature abandons the whole update, as in
// client_global_hostkeys_prove_confirm. An RSA proof made with SHA-1
// drops only that key when the key exchange used another key type, and
// an RSA proof must use the exchange's algorithm when it was RSA.
func TestUpdateHostKeysProofChecked(t *testing.T) {
	known, added, other := ed25519Signer(t), ed25519Signer(t), ed25519Signer(t)
	rsaKey := rsaSigner(t)
	sid := []byte("session identifier")
	line := "host.example " + authorizedText(known.PublicKey()) + "\n"
	cases := []struct {
		name    string
		keys    []ssh.Signer // announced besides the known key
		reply   []byte
		ok      bool   // the server's answer
		kexAlgo string // host key algorithm of the key exchange
		proven  bool
		added   []ssh.Signer
	}{
		{"good proof", []ssh.Signer{added}, proof(t, sid, []ssh.Signer{added}), true, "ssh-ed25519", true, []ssh.Signer{added}},
		{"signed by another key", []ssh.Signer{added}, proof(t, sid, []ssh.Signer{other}), true, "ssh-ed25519", false, nil},
		{"another session", []ssh.Signer{added}, proof(t, []byte("another"), []ssh.Signer{added}), true, "ssh-ed25519", false, nil},
		{"signature missing", []ssh.Signer{added, other}, proof(t, sid, []ssh.Signer{added}), true, "ssh-ed25519", false, nil},
		{"trailing data", []ssh.Signer{added}, append(proof(t, sid, []ssh.Signer{added}), 0, 0, 0, 0), true, "ssh-ed25519", false, nil},
		{"refused", []ssh.Signer{added}, nil, false, "ssh-ed25519", false, nil},
		{"RSA with SHA-1, other exchange", []ssh.Signer{rsaKey, added}, proof(t, sid, []ssh.Signer{rsaKey, added}, ssh.KeyAlgoRSA), true, "ssh-ed25519", true, []ssh.Signer{added}},
		{"RSA with SHA-512, other exchange", []ssh.Signer{rsaKey}, proof(t, sid, []ssh.Signer{rsaKey}, ssh.KeyAlgoRSASHA512), true, "ssh-ed25519", true, []ssh.Signer{rsaKey}},
		{"RSA not the exchange's algorithm", []ssh.Signer{rsaKey}, proof(t, sid, []ssh.Signer{rsaKey}, ssh.KeyAlgoRSASHA256), true, ssh.KeyAlgoRSASHA512, false, nil},
		{"RSA the exchange's algorithm", []ssh.Signer{rsaKey}, proof(t, sid, []ssh.Signer{rsaKey}, ssh.KeyAlgoRSASHA512), true, ssh.KeyAlgoRSASHA512, true, []ssh.Signer{rsaKey}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, kh := updateVerifier(t, line, known.PublicKey())
			keys := []ssh.PublicKey{known.PublicKey()}
			for _, s := range c.keys {
				keys = append(keys, s.PublicKey())
			}
			u := v.Announce(announcement(keys...))
			if u == nil || len(u.Unproven()) != len(c.keys) {
				t.Fatalf("announcement: %v", u)
			}
			if proven := u.Prove(c.ok, c.reply, sid, c.kexAlgo); proven != c.proven {
				t.Fatalf("proven %v, want %v", proven, c.proven)
			}
			if c.proven {
				u.Apply(nil)
			}
			want := line
			for _, s := range c.added {
				want += "host.example " + authorizedText(s.PublicKey()) + "\n"
			}
			if b, _ := os.ReadFile(kh); string(b) != want {
				t.Errorf("known_hosts:\n%s\nwant:\n%s", b, want)
			}
		})
	}
}

// TestUpdateHostKeysCheckHostIP: with CheckHostIP the server's address is
// part of the update: new keys are written as "host,address" (two hashed
// lines with HashKnownHosts), a retired key's "host,address" line goes,
// and a line naming the host with another address, or the address with
// another host, stops the update (hostkeys_find's other_name_seen).
func TestUpdateHostKeysCheckHostIP(t *testing.T) {
	k1, k2, old := ed25519Signer(t), ed25519Signer(t), ed25519Signer(t)
	text := func(s ssh.Signer) string { return authorizedText(s.PublicKey()) }
	cases := []struct {
		name, known string
		hash        bool
		server      []ssh.Signer
		want        string // the file afterwards; "" = unchanged
	}{
		{"new key", "host.example,192.0.2.1 " + text(k1) + "\n", false, []ssh.Signer{k1, k2},
			"host.example,192.0.2.1 " + text(k1) + "\nhost.example,192.0.2.1 " + text(k2) + "\n"},
		{"retired key", "host.example,192.0.2.1 " + text(k1) + "\nhost.example,192.0.2.1 " + text(old) + "\n", false, []ssh.Signer{k1},
			"host.example,192.0.2.1 " + text(k1) + "\n"},
		{"host with another address", "host.example,192.0.2.9 " + text(k1) + "\n192.0.2.1 " + text(k1) + "\n", false, []ssh.Signer{k1, k2}, ""},
		{"address with another host", "host.example " + text(k1) + "\nother.example,192.0.2.1 " + text(k1) + "\n", false, []ssh.Signer{k1, k2}, ""},
		{"hashed", "host.example,192.0.2.1 " + text(k1) + "\n", true, []ssh.Signer{k1, k2}, "hashed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := []string{"CheckHostIP yes"}
			if c.hash {
				opts = append(opts, "HashKnownHosts yes")
			}
			v, kh := updateVerifier(t, c.known, k1.PublicKey(), opts...)
			var keys []ssh.PublicKey
			for _, s := range c.server {
				keys = append(keys, s.PublicKey())
			}
			if u := v.Announce(announcement(keys...)); u != nil {
				if u.Prove(true, proof(t, []byte("sid"), c.server[1:]), []byte("sid"), "ssh-ed25519") {
					u.Apply(nil)
				}
			}
			b, _ := os.ReadFile(kh)
			switch c.want {
			case "":
				if string(b) != c.known {
					t.Errorf("known_hosts changed:\n%s", b)
				}
			case "hashed":
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				if len(lines) != 3 || lines[0] != strings.TrimSpace(c.known) {
					t.Fatalf("known_hosts:\n%s", b)
				}
				for i, name := range []string{"host.example", "192.0.2.1"} {
					host, key, _ := strings.Cut(lines[i+1], " ")
					if !hashedMatch(host, name) || key != text(k2) {
						t.Errorf("line %d %q, want %s hashed with the new key", i+2, lines[i+1], name)
					}
				}
			default:
				if string(b) != c.want {
					t.Errorf("known_hosts:\n%s\nwant:\n%s", b, c.want)
				}
			}
		})
	}
}
