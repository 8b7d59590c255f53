package bench

import (
	"slices"
	"testing"
)

// TestServerOffer reads the list checkPinned relies on from the texts
// ssh and gssh print when negotiation fails.
func TestServerOffer(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want []string
	}{
		{"Unable to negotiate with 127.0.0.1 port 22: no matching cipher found. Their offer: aes128-gcm@openssh.com\r\n", []string{"aes128-gcm@openssh.com"}},
		{"Unable to negotiate with 127.0.0.1 port 22: no matching key exchange method found. Their offer: curve25519-sha256,kex-strict-s-v00@openssh.com\n", []string{"curve25519-sha256"}},
		{"no matching cipher found. Their offer: aes128-ctr,aes256-ctr\n", []string{"aes128-ctr", "aes256-ctr"}},
		{"Their offer: \n", nil},
		{"Connection refused\n", nil},
	} {
		if got := serverOffer(tc.msg); !slices.Equal(got, tc.want) {
			t.Errorf("serverOffer(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
