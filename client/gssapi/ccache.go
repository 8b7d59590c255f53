package gssapi

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
)

// defaultKrb5Conf is MIT's krb5.conf when KRB5_CONFIG is unset.
const defaultKrb5Conf = "/etc/krb5.conf"

// loadKrb5Conf reads the first file of a KRB5_CONFIG list (MIT takes a
// colon-separated list; "" means /etc/krb5.conf) and returns the parsed
// configuration and the file's text, for the settings gokrb5 does not
// parse. A missing file gives gokrb5's defaults, as MIT goes on without
// one; a directive gokrb5 does not support (includedir) is ignored.
func loadKrb5Conf(list string) (*krbconfig.Config, string, error) {
	path, _, _ := strings.Cut(list, ":")
	if path == "" {
		path = defaultKrb5Conf
	}
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return krbconfig.New(), "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("krb5.conf: %w", err)
	}
	// gokrb5 takes only booleans for dns_canonicalize_hostname, and
	// fails on MIT's "fallback" (Fedora's default), which New reads
	// from the text itself.
	cfg, err := krbconfig.NewFromString(withoutFallback(string(text)))
	var unsupported krbconfig.UnsupportedDirective
	if err != nil && !errors.As(err, &unsupported) {
		return nil, "", fmt.Errorf("krb5.conf %s: %w", path, err)
	}
	return cfg, string(text), nil
}

// withoutFallback turns dns_canonicalize_hostname = fallback into true.
func withoutFallback(text string) string {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "dns_canonicalize_hostname" && strings.EqualFold(strings.TrimSpace(v), "fallback") {
			lines[i] = k + "= true"
		}
	}
	return strings.Join(lines, "\n")
}

// libdefault returns the value of a [libdefaults] relation in a krb5.conf
// text, or "".
func libdefault(text, name string) string {
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] \t")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && section == "libdefaults" && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ccacheName is MIT's krb5_cc_default_name: KRB5CCNAME, else
// default_ccache_name from krb5.conf, else FILE:/tmp/krb5cc_UID.
func ccacheName(env, confText string) string {
	if env != "" {
		return env
	}
	name := libdefault(confText, "default_ccache_name")
	if name == "" {
		name = "FILE:/tmp/krb5cc_%{uid}"
	}
	uid := strconv.Itoa(os.Getuid())
	return strings.NewReplacer("%{uid}", uid, "%{euid}", strconv.Itoa(os.Geteuid()), "%{TEMP}", os.TempDir()).Replace(name)
}

// ccacheFile resolves a cache name to the file holding the credentials:
// FILE:PATH and a plain PATH name the file; DIR:DIR is a collection whose
// primary cache is named in DIR/primary (tkt when there is none), and
// DIR::PATH one member of a collection. Other types (KEYRING:, KCM:,
// MEMORY:, API:) are stores gokrb5 cannot read.
func ccacheFile(name string) (string, error) {
	typ, residual, ok := strings.Cut(name, ":")
	if !ok || strings.HasPrefix(name, "/") {
		return name, nil
	}
	switch typ {
	case "FILE":
		return residual, nil
	case "DIR":
		if member, ok := strings.CutPrefix(residual, ":"); ok {
			return member, nil
		}
		primary, err := os.ReadFile(filepath.Join(residual, "primary"))
		if errors.Is(err, os.ErrNotExist) {
			return filepath.Join(residual, "tkt"), nil
		}
		if err != nil {
			return "", err
		}
		return filepath.Join(residual, strings.TrimSpace(string(primary))), nil
	}
	return "", &UnsupportedCacheError{Name: name}
}

// UnsupportedCacheError reports a credential cache type gssh cannot read.
type UnsupportedCacheError struct{ Name string }

func (e *UnsupportedCacheError) Error() string {
	typ, _, _ := strings.Cut(e.Name, ":")
	return fmt.Sprintf("credential cache type %s is not supported by gssh (cache %s)", typ, e.Name)
}

// loadCCache reads the credential cache name points at. With a client
// identity (GSSAPIClientIdentity) a DIR: collection is searched for the
// member holding that principal, as MIT's krb5_cc_cache_match does;
// otherwise the cache must hold it.
func loadCCache(name, identity string) (*credentials.CCache, error) {
	path, err := ccacheFile(name)
	if err != nil {
		return nil, err
	}
	cache, err := credentials.LoadCCache(path)
	if identity == "" || (err == nil && holds(cache, identity)) {
		return cache, err
	}
	if dir, ok := strings.CutPrefix(name, "DIR:"); ok && !strings.HasPrefix(dir, ":") {
		members, _ := filepath.Glob(filepath.Join(dir, "tkt*"))
		for _, m := range members {
			if c, err := credentials.LoadCCache(m); err == nil && holds(c, identity) {
				return c, nil
			}
		}
	}
	return nil, &NoPrincipalError{Principal: identity, Cache: name}
}

// holds reports whether a cache is for the principal, written user@REALM
// or, in the cache's realm, user.
func holds(c *credentials.CCache, principal string) bool {
	name := c.DefaultPrincipal.PrincipalName.PrincipalNameString()
	return principal == name || principal == name+"@"+c.DefaultPrincipal.Realm
}

// NoPrincipalError reports that no cache holds GSSAPIClientIdentity's
// principal.
type NoPrincipalError struct{ Principal, Cache string }

func (e *NoPrincipalError) Error() string {
	return fmt.Sprintf("no credential cache for %s in %s", e.Principal, e.Cache)
}
