package config

import (
	"strings"
	"testing"
)

// TestParseForward: the command-line forms of -L, -R, -D and the cancel
// specs of ~C, printed as ssh -G prints them ("LISTEN CONNECT", or
// "LISTEN" for a SOCKS forwarding).
func TestParseForward(t *testing.T) {
	for _, tc := range []struct {
		spec string
		kind ForwardKind
		want string
		ok   bool
	}{
		{"8080:localhost:80", ForwardLocal, "8080 [localhost]:80", true},
		{"127.0.0.1:8080:db:5432", ForwardLocal, "[127.0.0.1]:8080 [db]:5432", true},
		{"[::1]:8080:[fe80::1]:80", ForwardLocal, "[::1]:8080 [fe80::1]:80", true},
		{"/tmp/l.sock:/tmp/r.sock", ForwardLocal, "/tmp/l.sock /tmp/r.sock", true},
		{"0:localhost:80", ForwardRemote, "0 [localhost]:80", true},
		{"0:localhost:80", ForwardLocal, "", false}, // local port 0
		{"1080", ForwardDynamic, "1080", true},
		{"127.0.0.1:1080", ForwardDynamic, "[127.0.0.1]:1080", true},
		{"0", ForwardRemote, "0", true},
		{"8080", ForwardLocal, "", false},
		{"a:b:c:d:e", ForwardLocal, "", false},
	} {
		f, ok := ParseForward(tc.kind, tc.spec)
		got := ""
		if ok {
			got = gForms([]Forward{f})
		}
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseForward(%v, %q) = %q, %v; want %q, %v", tc.kind, tc.spec, got, ok, tc.want, tc.ok)
		}
	}
}

// TestForwardRoundTrip: String writes a forwarding so that ParseForward
// reads the same one back, Unix socket paths with blanks, colons and
// backslashes included.
func TestForwardRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		kind ForwardKind
		spec string
		want Forward
	}{
		{ForwardLocal, "/tmp/my socket:/run/the other.sock", Forward{Kind: ForwardLocal,
			Listen: Endpoint{Path: "/tmp/my socket"}, Connect: Endpoint{Path: "/run/the other.sock"}}},
		{ForwardLocal, `8080:/tmp/a\:b\\c d`, Forward{Kind: ForwardLocal,
			Listen: Endpoint{Port: 8080}, Connect: Endpoint{Path: `/tmp/a:b\c d`}}},
		{ForwardRemote, "[::1]:0:[fe80::1%eth0]:22", Forward{Kind: ForwardRemote,
			Listen: Endpoint{Host: "::1"}, Connect: Endpoint{Host: "fe80::1%eth0", Port: 22}}},
		{ForwardRemote, "*:2222", Forward{Kind: ForwardRemote,
			Listen: Endpoint{Host: "*", Port: 2222}, Connect: Endpoint{Host: "socks"}}},
		{ForwardRemote, "2222:socks:80", Forward{Kind: ForwardRemote,
			Listen: Endpoint{Port: 2222}, Connect: Endpoint{Host: "socks", Port: 80}}},
		{ForwardDynamic, "/tmp/socks proxy", Forward{Kind: ForwardDynamic,
			Listen: Endpoint{Path: "/tmp/socks proxy"}, Connect: Endpoint{Host: "socks"}}},
		{ForwardDynamic, "1080:/tmp/x", Forward{Kind: ForwardDynamic,
			Listen: Endpoint{Port: 1080}, Connect: Endpoint{Path: "/tmp/x"}}},
		{ForwardLocal, "8080::80", Forward{Kind: ForwardLocal,
			Listen: Endpoint{Port: 8080}, Connect: Endpoint{Port: 80}}},
		{ForwardLocal, `8080:a\]b:80`, Forward{Kind: ForwardLocal,
			Listen: Endpoint{Port: 8080}, Connect: Endpoint{Host: "a]b", Port: 80}}},
	} {
		f, ok := ParseForward(tc.kind, tc.spec)
		if !ok || f != tc.want {
			t.Errorf("ParseForward(%v, %q) = %+v, %v; want %+v", tc.kind, tc.spec, f, ok, tc.want)
			continue
		}
		if back, ok := ParseForward(f.Kind, f.String()); !ok || back != f {
			t.Errorf("ParseForward(%v, %q) (String of %+v) = %+v, %v", f.Kind, f.String(), f, back, ok)
		}
	}
}

// gForms writes forwardings as ssh -G prints them ("LISTEN CONNECT", or
// "LISTEN" for a SOCKS forwarding), separated by commas.
func gForms(fwds []Forward) string {
	var out []string
	for _, f := range fwds {
		s := f.Listen.String()
		if !f.Dynamic() {
			s += " " + f.Connect.String()
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// TestForwardCanonical: a destination host "socks" makes a SOCKS
// forwarding whatever its port, and a -D with a destination path is a
// local forwarding, as Config holds them.
func TestForwardCanonical(t *testing.T) {
	socks := Endpoint{Host: "socks"}
	for _, tc := range []struct {
		kind ForwardKind
		spec string
		want Forward
	}{
		{ForwardLocal, "8081:socks:80", Forward{Kind: ForwardDynamic, Listen: Endpoint{Port: 8081}, Connect: socks}},
		{ForwardRemote, "8080:socks:80", Forward{Kind: ForwardRemote, Listen: Endpoint{Port: 8080}, Connect: socks}},
		{ForwardDynamic, "8082:/tmp/p", Forward{Kind: ForwardLocal, Listen: Endpoint{Port: 8082}, Connect: Endpoint{Path: "/tmp/p"}}},
		{ForwardDynamic, "1080", Forward{Kind: ForwardDynamic, Listen: Endpoint{Port: 1080}, Connect: socks}},
		{ForwardLocal, "8080:web:80", Forward{Kind: ForwardLocal, Listen: Endpoint{Port: 8080}, Connect: Endpoint{Host: "web", Port: 80}}},
	} {
		f, ok := ParseForward(tc.kind, tc.spec)
		if got := f.Canonical(); !ok || got != tc.want {
			t.Errorf("ParseForward(%v, %q).Canonical() = %+v, %v; want %+v", tc.kind, tc.spec, got, ok, tc.want)
		}
	}
}
