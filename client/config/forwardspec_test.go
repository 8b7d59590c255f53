package config

import "testing"

// TestParseForward: the command-line forms of -L, -R, -D and the cancel
// specs of ~C, in Config's notation.
func TestParseForward(t *testing.T) {
	for _, tc := range []struct {
		spec            string
		dynamic, remote bool
		want            string
		ok              bool
	}{
		{"8080:localhost:80", false, false, "8080 [localhost]:80", true},
		{"127.0.0.1:8080:db:5432", false, false, "[127.0.0.1]:8080 [db]:5432", true},
		{"[::1]:8080:[fe80::1]:80", false, false, "[::1]:8080 [fe80::1]:80", true},
		{"/tmp/l.sock:/tmp/r.sock", false, false, "/tmp/l.sock /tmp/r.sock", true},
		{"0:localhost:80", false, true, "0 [localhost]:80", true},
		{"0:localhost:80", false, false, "", false}, // local port 0
		{"1080", true, false, "1080", true},
		{"127.0.0.1:1080", true, false, "[127.0.0.1]:1080", true},
		{"0", true, true, "0", true},
		{"8080", false, false, "", false},
		{"a:b:c:d:e", false, false, "", false},
	} {
		got, ok := ParseForward(tc.spec, tc.dynamic, tc.remote)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseForward(%q, %v, %v) = %q, %v; want %q, %v", tc.spec, tc.dynamic, tc.remote, got, ok, tc.want, tc.ok)
		}
	}
}
