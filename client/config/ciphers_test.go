package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestCiphersDefaultIsLibraryOrder pins the cipher preference: with no
// Ciphers from the user, Config.Ciphers is empty so that x/crypto's order
// (AES-GCM first, about twice chacha20-poly1305's throughput in Go; see
// docs/performance.md) applies, while -G still prints OpenSSH's default
// list. Any Ciphers setting, -c included, is kept as resolved.
func TestCiphersDefaultIsLibraryOrder(t *testing.T) {
	c, err := resolveText(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ciphers) != 0 {
		t.Errorf("default Ciphers = %v, want empty (x/crypto's order)", c.Ciphers)
	}
	var g bytes.Buffer
	if err := c.WriteG(&g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(g.String(), "\nciphers chacha20-poly1305@openssh.com,aes128-ctr,") {
		t.Errorf("-G no longer prints OpenSSH's default ciphers:\n%s", g.String())
	}

	for _, tc := range []struct {
		text string
		opts []string
		want []string
	}{
		{"Ciphers aes256-ctr,chacha20-poly1305@openssh.com\n", nil, []string{"aes256-ctr", "chacha20-poly1305@openssh.com"}},
		{"", []string{"Ciphers=chacha20-poly1305@openssh.com"}, []string{"chacha20-poly1305@openssh.com"}},
		{"Ciphers -aes128-ctr,aes192-ctr\n", nil, []string{"chacha20-poly1305@openssh.com", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}},
	} {
		c, err := resolveText(t, tc.text, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Ciphers, tc.want) {
			t.Errorf("%q %q: Ciphers = %v, want %v", tc.text, tc.opts, c.Ciphers, tc.want)
		}
	}
}
