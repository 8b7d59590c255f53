package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gssh/gssh/client/config"
)

// queryNames are the -Q queries of OpenSSH 9.2 as Debian builds it, in
// the order "-Q help" lists them. kex-gss answers with no names because
// gssh has no GSSAPI key exchange.
func queryNames() []string {
	return []string{"cipher", "cipher-auth", "compression", "kex", "kex-gss", "key", "key-cert",
		"key-plain", "key-sig", "mac", "protocol-version", "sig"}
}

// queryAliases maps the ssh_config keywords that 9.2 also accepts for -Q
// (case-insensitively) to the query they stand for.
func queryAliases() map[string]string {
	return map[string]string{
		"ciphers":                     "cipher",
		"macs":                        "mac",
		"kexalgorithms":               "kex",
		"pubkeyacceptedkeytypes":      "key-sig",
		"pubkeyacceptedalgorithms":    "key-sig",
		"hostkeyalgorithms":           "key-sig",
		"hostbasedkeytypes":           "key-sig",
		"hostbasedacceptedkeytypes":   "key-sig",
		"hostbasedacceptedalgorithms": "key-sig",
	}
}

// canonicalQuery returns the query name for what, or "" if ssh 9.2 does
// not know it.
func canonicalQuery(what string) string {
	if what == "help" || slices.Contains(queryNames(), what) {
		return what
	}
	return queryAliases()[strings.ToLower(what)]
}

// queryValid reports whether -Q what is a query ssh 9.2 answers.
func queryValid(what string) bool {
	return canonicalQuery(what) != ""
}

// runQuery writes the answer to -Q what, one name per line: the
// algorithms gssh completes end to end, in OpenSSH 9.2's names and order,
// including those it only uses when configured to, as ssh lists its
// disabled ones too (client/config's Supported lists).
func runQuery(w io.Writer, what string) error {
	var names []string
	switch canonicalQuery(what) {
	case "help":
		names = queryNames()
	case "cipher":
		names = config.SupportedCiphers()
	case "cipher-auth":
		for _, c := range config.SupportedCiphers() {
			if strings.Contains(c, "-gcm") || strings.HasPrefix(c, "chacha20-poly1305") {
				names = append(names, c)
			}
		}
	case "compression":
		// Compression is accepted and ignored (x/crypto has none).
		names = []string{"none"}
	case "kex":
		names = config.SupportedKexAlgorithms()
	case "kex-gss":
	case "key":
		names = keyTypes(func(string) bool { return true })
	case "key-cert":
		names = keyTypes(isCert)
	case "key-plain":
		names = keyTypes(func(n string) bool { return !isCert(n) })
	case "key-sig":
		names = config.SupportedKeyAlgorithms()
	case "sig":
		names = config.SupportedSignatureAlgorithms()
	case "mac":
		names = config.SupportedMACs()
	case "protocol-version":
		names = []string{"2"}
	default:
		return fmt.Errorf("Unsupported query \"%s\"", what)
	}
	for _, n := range names {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return fmt.Errorf("gssh: writing query answer: %w", err)
		}
	}
	return nil
}

// keyTypes lists the key types (-Q key: the key-sig list without the
// RSA SHA-2 signature-only algorithms) that keep satisfies.
func keyTypes(keep func(string) bool) []string {
	var out []string
	for _, n := range config.SupportedKeyAlgorithms() {
		if !strings.HasPrefix(n, "rsa-sha2-") && keep(n) {
			out = append(out, n)
		}
	}
	return out
}

func isCert(name string) bool { return strings.HasSuffix(name, "-cert-v01@openssh.com") }
