package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
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

// runQuery writes the answer to -Q what, one name per line: what gssh
// (golang.org/x/crypto/ssh) supports, including algorithms it only uses
// when configured to, as ssh lists its disabled ones too.
func runQuery(w io.Writer, what string) error {
	var names []string
	switch canonicalQuery(what) {
	case "help":
		names = queryNames()
	case "cipher":
		names = cipherNames()
	case "cipher-auth":
		for _, c := range cipherNames() {
			if strings.Contains(c, "-gcm") || strings.HasPrefix(c, "chacha20-poly1305") {
				names = append(names, c)
			}
		}
	case "compression":
		// Compression is accepted and ignored (x/crypto has none).
		names = []string{"none"}
	case "kex":
		names = union(ssh.SupportedAlgorithms().KeyExchanges, ssh.InsecureAlgorithms().KeyExchanges)
	case "kex-gss":
	case "key":
		names = keyTypes(true, true, false)
	case "key-cert":
		names = keyTypes(false, true, false)
	case "key-plain":
		names = keyTypes(true, false, false)
	case "key-sig":
		names = keyTypes(true, true, true)
	case "sig":
		names = keyTypes(true, false, true)
	case "mac":
		names = macNames()
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

// cipherNames lists every cipher gssh can use, preferred ones first.
func cipherNames() []string {
	return union(ssh.SupportedAlgorithms().Ciphers, ssh.InsecureAlgorithms().Ciphers)
}

// macNames lists every MAC gssh can use, preferred ones first.
func macNames() []string {
	return union(ssh.SupportedAlgorithms().MACs, ssh.InsecureAlgorithms().MACs)
}

// keyTypes lists key types in OpenSSH's order, each plain type followed by
// its certificate type when both are wanted, and the RSA signature-only
// algorithms (rsa-sha2-*) last when sigOnly is set.
func keyTypes(plain, certs, sigOnly bool) []string {
	type pair struct{ plain, cert string }
	pairs := []pair{
		{ssh.KeyAlgoED25519, ssh.CertAlgoED25519v01},
		{ssh.KeyAlgoSKED25519, ssh.CertAlgoSKED25519v01},
		{ssh.KeyAlgoECDSA256, ssh.CertAlgoECDSA256v01},
		{ssh.KeyAlgoECDSA384, ssh.CertAlgoECDSA384v01},
		{ssh.KeyAlgoECDSA521, ssh.CertAlgoECDSA521v01},
		{ssh.KeyAlgoSKECDSA256, ssh.CertAlgoSKECDSA256v01},
		//lint:ignore SA1019 OpenSSH 9.2 still lists DSA in -Q key.
		{ssh.KeyAlgoDSA, ssh.CertAlgoDSAv01},
		{ssh.KeyAlgoRSA, ssh.CertAlgoRSAv01},
	}
	if sigOnly {
		pairs = append(pairs,
			pair{ssh.KeyAlgoRSASHA256, ssh.CertAlgoRSASHA256v01},
			pair{ssh.KeyAlgoRSASHA512, ssh.CertAlgoRSASHA512v01})
	}
	var out []string
	for _, p := range pairs {
		if plain {
			out = append(out, p.plain)
		}
		if certs {
			out = append(out, p.cert)
		}
	}
	return out
}

// union returns a followed by the names of b not in a.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
