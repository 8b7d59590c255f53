package nss

import (
	"context"
	"net"
	"os/exec"
	"reflect"
	"testing"
)

func TestHostsNeedNSS(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want bool
	}{
		{"hosts:          files dns\nnetworks: files\n", false},
		{"passwd: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n", true},
		{"hosts: files resolve [!UNAVAIL=return] dns\n", true},
		{"hosts: dns files # mdns4 later\n", false},
		{"# hosts: files mdns4\nhosts: files dns\n", false},
		{"hosts: files [ NOTFOUND=return ] dns\n", false},
		{"hosts: files [NOTFOUND=return]mdns4 dns\n", true},
		{"passwd: files sss\n", false},
		{"", false},
	} {
		if got := hostsNeedNSS([]byte(tc.conf)); got != tc.want {
			t.Errorf("hostsNeedNSS(%q) = %v, want %v", tc.conf, got, tc.want)
		}
	}
}

func TestParseGetentHosts(t *testing.T) {
	out := "192.168.1.20    STREAM pi.local\n192.168.1.20    DGRAM  \n192.168.1.20    RAW    \n" +
		"fe80::1         STREAM \nfe80::1         DGRAM  \nnot-an-address  STREAM\n\n"
	want := []net.IP{net.ParseIP("192.168.1.20"), net.ParseIP("fe80::1")}
	if got := parseGetentHosts([]byte(out)); !reflect.DeepEqual(got, want) {
		t.Errorf("parseGetentHosts = %v, want %v", got, want)
	}
	if got := parseGetentHosts(nil); got != nil {
		t.Errorf("parseGetentHosts(nil) = %v, want none", got)
	}
}

// TestLookupNSS asks the real getent(1): localhost comes from
// /etc/hosts through NSS; a name starting with "-" is never passed to
// it, so it cannot be taken for an option.
func TestLookupNSS(t *testing.T) {
	if _, err := exec.LookPath("getent"); err != nil {
		t.Fatalf("getent (libc-bin) is missing: %v", err)
	}
	ctx := context.Background()
	got := lookupNSS(ctx, "localhost", "inet")
	if len(got) == 0 || !got[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("lookupNSS(localhost, inet) = %v, want 127.0.0.1 first", got)
	}
	for _, ip := range got {
		if ip.To4() == nil {
			t.Errorf("lookupNSS(localhost, inet) returned %v, not IPv4", ip)
		}
	}
	if got := lookupNSS(ctx, "-s", "any"); got != nil {
		t.Errorf("lookupNSS(-s) = %v, want nothing", got)
	}
	if got := lookupNSS(ctx, "no-such-host.invalid", "any"); got != nil {
		t.Errorf("lookupNSS(no-such-host.invalid) = %v, want nothing", got)
	}
}
