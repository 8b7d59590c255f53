package gssapi

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestCCacheFile: the cache types MIT names, resolved to the file that
// holds the credentials, or refused by name.
func TestCCacheFile(t *testing.T) {
	dir := t.TempDir()
	withPrimary := filepath.Join(dir, "coll")
	if err := os.Mkdir(withPrimary, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withPrimary, "primary"), []byte("tktAbc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"FILE:/tmp/krb5cc_1", "/tmp/krb5cc_1"},
		{"/tmp/krb5cc_1", "/tmp/krb5cc_1"},
		{"/tmp/odd:name", "/tmp/odd:name"},
		{"DIR:" + withPrimary, filepath.Join(withPrimary, "tktAbc")},
		{"DIR:" + dir, filepath.Join(dir, "tkt")},
		{"DIR::" + filepath.Join(dir, "tktX"), filepath.Join(dir, "tktX")},
	} {
		if got, err := ccacheFile(tc.name); err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	for _, name := range []string{"KEYRING:persistent:0", "KCM:", "MEMORY:x"} {
		var unsupported *UnsupportedCacheError
		if _, err := ccacheFile(name); !errors.As(err, &unsupported) {
			t.Errorf("%s: %v, want an UnsupportedCacheError", name, err)
		}
	}
}

// TestCCacheName: KRB5CCNAME, else default_ccache_name with %{uid},
// else MIT's built-in FILE:/tmp/krb5cc_UID.
func TestCCacheName(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	conf := "[libdefaults]\n\tdefault_ccache_name = DIR:/run/user/%{uid}/krb5cc\n[realms]\n"
	for _, tc := range []struct{ env, conf, want string }{
		{"FILE:/x", conf, "FILE:/x"},
		{"", conf, "DIR:/run/user/" + uid + "/krb5cc"},
		{"", "", "FILE:/tmp/krb5cc_" + uid},
		{"", "[realms]\n\tdefault_ccache_name = KCM:\n", "FILE:/tmp/krb5cc_" + uid},
	} {
		if got := ccacheName(tc.env, tc.conf); got != tc.want {
			t.Errorf("env %q conf %q: %q, want %q", tc.env, tc.conf, got, tc.want)
		}
	}
}

// TestLoadKrb5ConfFallback: MIT's dns_canonicalize_hostname = fallback
// (Fedora's default), which gokrb5 cannot parse, still loads; a missing
// file gives the defaults, as MIT goes on without one.
func TestLoadKrb5ConfFallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "krb5.conf")
	text := "[libdefaults]\n default_realm = EXAMPLE.ORG\n dns_canonicalize_hostname = fallback\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, got, err := loadKrb5Conf(path + ":/etc/other.conf")
	if err != nil || cfg.LibDefaults.DefaultRealm != "EXAMPLE.ORG" || libdefault(got, "dns_canonicalize_hostname") != "fallback" {
		t.Fatalf("%+v %q %v", cfg, got, err)
	}
	if cfg, _, err := loadKrb5Conf(filepath.Join(t.TempDir(), "none")); err != nil || cfg == nil {
		t.Fatalf("missing file: %v", err)
	}
}
