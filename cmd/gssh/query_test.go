package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestRunQuery(t *testing.T) {
	cases := []struct {
		what     string
		first    string   // the first line, "" for no output
		contains []string // lines that must be present
		excludes []string // lines that must not be
	}{
		{what: "help", first: "cipher", contains: queryNames()},
		{what: "cipher", first: "3des-cbc", contains: []string{"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr"}, excludes: []string{"aes256-cbc", "arcfour"}},
		{what: "Ciphers", contains: []string{"aes128-ctr"}},
		{what: "cipher-auth", contains: []string{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"}, excludes: []string{"aes128-ctr"}},
		{what: "compression", first: "none"},
		{what: "kex", contains: []string{"curve25519-sha256", "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha1"}, excludes: []string{"sntrup761x25519-sha512@openssh.com", "diffie-hellman-group18-sha512", "mlkem768x25519-sha256"}},
		{what: "KexAlgorithms", contains: []string{"curve25519-sha256"}},
		{what: "kex-gss"},
		{what: "key", first: "ssh-ed25519", contains: []string{"ssh-ed25519-cert-v01@openssh.com", "ssh-rsa"}, excludes: []string{"rsa-sha2-256", "ssh-dss", "sk-ssh-ed25519@openssh.com"}},
		{what: "key-cert", first: "ssh-ed25519-cert-v01@openssh.com", excludes: []string{"ssh-ed25519"}},
		{what: "key-plain", first: "ssh-ed25519", excludes: []string{"ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512"}},
		{what: "key-sig", contains: []string{"rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com"}, excludes: []string{"ssh-dss-cert-v01@openssh.com", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com"}},
		{what: "HostKeyAlgorithms", contains: []string{"rsa-sha2-256"}},
		{what: "sig", contains: []string{"rsa-sha2-256", "ssh-ed25519"}, excludes: []string{"ssh-rsa-cert-v01@openssh.com"}},
		{what: "mac", first: "hmac-sha1", contains: []string{"hmac-sha2-256-etm@openssh.com", "hmac-sha2-256", "hmac-sha1-96"}, excludes: []string{"umac-64@openssh.com", "hmac-sha1-etm@openssh.com"}},
		{what: "protocol-version", first: "2"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := runQuery(&b, c.what); err != nil {
			t.Errorf("runQuery(%q): %v", c.what, err)
			continue
		}
		lines := strings.Fields(b.String())
		if c.first != "" && (len(lines) == 0 || lines[0] != c.first) {
			t.Errorf("-Q %s: first line of %q, want %q", c.what, lines, c.first)
		}
		if c.first == "" && c.contains == nil && len(lines) != 0 {
			t.Errorf("-Q %s printed %q, want nothing", c.what, lines)
		}
		for _, want := range c.contains {
			if !slices.Contains(lines, want) {
				t.Errorf("-Q %s lacks %q: %q", c.what, want, lines)
			}
		}
		for _, bad := range c.excludes {
			if slices.Contains(lines, bad) {
				t.Errorf("-Q %s has %q", c.what, bad)
			}
		}
		if !strings.HasSuffix(b.String(), "\n") && b.Len() > 0 {
			t.Errorf("-Q %s: output does not end in a newline", c.what)
		}
	}
	if err := runQuery(&bytes.Buffer{}, "foo"); err == nil || err.Error() != `Unsupported query "foo"` {
		t.Errorf("unknown query: %v", err)
	}
}

// TestQueryNamesMatchOpenSSH checks that gssh answers the queries ssh
// lists, and that each list gssh prints is ssh 9.2's with names left out
// but none added or reordered: OpenSSH's names in OpenSSH's order.
// Which names are left out, and that each listed one works, is
// TestQueryAlgorithmsComplete's and TestQueryUnlistedAlgorithmsFail's.
func TestQueryNamesMatchOpenSSH(t *testing.T) {
	out, code := runSSH(t, []string{"-Q", "help"})
	if code != 0 {
		t.Fatalf("ssh -Q help: exit %d: %s", code, out)
	}
	if got, want := queryNames(), strings.Fields(out); !slices.Equal(got, want) {
		t.Errorf("queries %q, ssh has %q", got, want)
	}
	for _, what := range []string{"cipher", "cipher-auth", "kex", "key", "key-cert", "key-plain", "key-sig", "mac", "sig", "protocol-version", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms"} {
		theirs, code := runSSH(t, []string{"-Q", what})
		if code != 0 {
			t.Fatalf("ssh -Q %s: exit %d", what, code)
		}
		var b bytes.Buffer
		if err := runQuery(&b, what); err != nil {
			t.Fatal(err)
		}
		ours := strings.Fields(b.String())
		if len(ours) == 0 {
			t.Errorf("-Q %s: gssh lists nothing", what)
		}
		kept := slices.DeleteFunc(strings.Fields(theirs), func(n string) bool { return !slices.Contains(ours, n) })
		if !slices.Equal(ours, kept) {
			t.Errorf("-Q %s: gssh lists %q, not a part of ssh's list in ssh's order %q", what, ours, theirs)
		}
	}
}
