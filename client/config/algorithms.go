package config

import (
	"fmt"
	"slices"
	"strings"
)

// algoSpec describes an algorithm-list keyword: every name this build
// knows (in OpenSSH's table order, which wildcard expansion follows), the
// default list, and how to validate a value.
type algoSpec struct {
	all, def []string
	// what names the list in OpenSSH's "Bad ..." message.
	what string
	// keyTypes selects key-type validation, which accepts wildcards.
	keyTypes bool
	// plainOnly rejects certificate types (CASignatureAlgorithms).
	plainOnly bool
}

// Lists from OpenSSH 9.2 (`ssh -Q cipher|mac|kex|key-sig|sig` and the
// defaults in myproposal.h) as built for Debian 12.
var (
	cipherAlgos = algoSpec{
		all:  split("3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com"),
		def:  split("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
		what: "Bad SSH2 cipher spec",
	}
	macAlgos = algoSpec{
		all:  split("hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,umac-64-etm@openssh.com,umac-128-etm@openssh.com"),
		def:  split("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"),
		what: "Bad SSH2 MAC spec",
	}
	kexAlgos = algoSpec{
		all:  split("diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com"),
		def:  split("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"),
		what: "Bad SSH2 KexAlgorithms",
	}
	allKeyTypes  = split("ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com")
	defKeyTypes  = split("ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256")
	hostKeyAlgos = algoSpec{all: allKeyTypes, def: defKeyTypes, what: "Bad key types", keyTypes: true}
	pubkeyAlgos  = algoSpec{all: allKeyTypes, def: defKeyTypes, what: "Bad key types", keyTypes: true}
	caSigAlgos   = algoSpec{
		all:       split("ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512"),
		def:       split("ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256"),
		what:      "Bad key types",
		keyTypes:  true,
		plainOnly: true,
	}
	gssKexAll     = split("gss-gex-sha1-,gss-group1-sha1-,gss-group14-sha1-,gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-")
	gssKexDefault = "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-"
)

func split(s string) []string { return strings.Split(s, ",") }

// DefaultHostKeyAlgorithms is OpenSSH 9.2's HostKeyAlgorithms default, for
// a Config built without Resolve.
func DefaultHostKeyAlgorithms() []string { return slices.Clone(hostKeyAlgos.def) }

// DefaultCASignatureAlgorithms is OpenSSH 9.2's CASignatureAlgorithms
// default, for a Config built without Resolve.
func DefaultCASignatureAlgorithms() []string { return slices.Clone(caSigAlgos.def) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// valid reports whether a configured list is acceptable, as ciphers_valid,
// mac_valid, kex_names_valid and sshkey_names_valid2 decide. Like those,
// it stops at the first empty element.
func (a *algoSpec) valid(list string) bool {
	if list == "" {
		return false
	}
	for _, name := range strings.Split(list, ",") {
		if name == "" {
			break
		}
		if contains(a.all, name) {
			if a.plainOnly && strings.Contains(name, "-cert-") {
				return false
			}
			continue
		}
		if !a.keyTypes {
			return false
		}
		matched := false
		for _, t := range allKeyTypes {
			if matchPatternList(t, name, false) != 0 {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// assemble applies a configured list to the defaults like kex.c
// kex_assemble_names: "+list" appends to the defaults, "-list" removes
// matching defaults, "^list" puts the list first, and anything else
// replaces them. Patterns expand in the order of the known names.
func (a *algoSpec) assemble(list string) ([]string, error) {
	if list == "" {
		return append([]string(nil), a.def...), nil
	}
	var patterns []string
	switch list[0] {
	case '+':
		patterns = namesCat(a.def, split(list[1:]))
	case '-':
		var out []string
		for _, d := range a.def {
			if matchPatternList(d, list[1:], false) != 1 {
				out = append(out, d)
			}
		}
		return out, nil
	case '^':
		patterns = namesCat(split(list[1:]), a.def)
	default:
		patterns = split(list)
	}
	var out []string
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			return nil, fmt.Errorf("negated algorithm pattern %q not supported here", p)
		}
		var matching []string
		for _, n := range a.all {
			if matchPatternList(n, p, false) == 1 {
				matching = append(matching, n)
			}
		}
		out = namesCat(out, matching)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("algorithm list %q matches nothing", list)
	}
	return out, nil
}

// namesCat appends to a the names of b it does not already hold
// (kex.c kex_names_cat).
func namesCat(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, n := range b {
		if n == "" {
			break
		}
		if !contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// The algorithm lists gssh answers `-Q` with: OpenSSH 9.2's names in its
// -Q order (the tables above), less those gssh cannot complete with the
// golang.org/x/crypto/ssh in go.mod (unusable) and the security-key
// algorithms (securityKey). docs/algorithms.md lists what is left out
// and why; cmd/gssh's TestQueryAlgorithmsComplete connects to sshd with
// each listed name alone, TestQueryUnlistedAlgorithmsFail with each of
// the others.

// SupportedCiphers lists the ciphers gssh completes, for -Q cipher.
func SupportedCiphers() []string { return listed(cipherAlgos.all) }

// SupportedMACs lists the MACs gssh completes, for -Q mac.
func SupportedMACs() []string { return listed(macAlgos.all) }

// SupportedKexAlgorithms lists the key exchanges gssh completes, for
// -Q kex.
func SupportedKexAlgorithms() []string { return listed(kexAlgos.all) }

// SupportedKeyAlgorithms lists the public key algorithms gssh completes
// as host key and as user key (HostKeyAlgorithms, PubkeyAcceptedAlgorithms):
// key types, certificate types and the RSA SHA-2 signature algorithms,
// for -Q key-sig. -Q key, key-plain and key-cert are its subsets.
func SupportedKeyAlgorithms() []string { return listed(allKeyTypes) }

// SupportedSignatureAlgorithms lists the signature algorithms gssh
// completes, for -Q sig.
func SupportedSignatureAlgorithms() []string { return listed(caSigAlgos.all) }

// UsableHostKeyAlgorithms returns list without the algorithms x/crypto
// cannot verify a host key of (ssh-dss: it fails on the server's key
// rather than at negotiation). The security-key types stay: x/crypto
// verifies their signatures, and ssh 9.2 offers them by default.
func UsableHostKeyAlgorithms(list []string) []string {
	return slices.DeleteFunc(slices.Clone(list), unusable)
}

func listed(all []string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(name string) bool { return unusable(name) || securityKey(name) })
}

// unusable reports whether name is one OpenSSH 9.2 accepts that x/crypto
// does not implement (no cipher mode, MAC, key exchange or key format by
// that name), so no connection can use it.
func unusable(name string) bool {
	switch name {
	case "aes192-cbc", "aes256-cbc",
		"hmac-md5", "hmac-md5-96", "hmac-md5-etm@openssh.com", "hmac-md5-96-etm@openssh.com",
		"hmac-sha1-etm@openssh.com", "hmac-sha1-96-etm@openssh.com",
		"umac-64@openssh.com", "umac-128@openssh.com", "umac-64-etm@openssh.com", "umac-128-etm@openssh.com",
		"diffie-hellman-group18-sha512",
		"sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
		// x/crypto dropped DSA (its KeyAlgoDSA is deprecated and no
		// longer parsed); OpenSSH 10 drops it too.
		"ssh-dss", "ssh-dss-cert-v01@openssh.com",
		"webauthn-sk-ecdsa-sha2-nistp256@openssh.com":
		return true
	}
	return false
}

// securityKey reports whether name is a FIDO security-key algorithm.
// x/crypto verifies their signatures, but gssh has no security-key
// support of its own (SecurityKeyProvider is ignored), no sshd can hold
// one as host key, and a key in an agent needs the hardware: no test here
// can show gssh completing a connection with them.
func securityKey(name string) bool {
	return strings.HasPrefix(name, "sk-")
}

// ValidCiphers reports whether list names only ciphers OpenSSH 9.2 knows,
// as ssh's -c checks it (cipher.c ciphers_valid). Names gssh cannot use
// pass, as in ssh -G; a connection then fails at negotiation.
func ValidCiphers(list string) bool { return cipherAlgos.valid(list) }

// ValidMACs is ValidCiphers for -m (mac.c mac_valid).
func ValidMACs(list string) bool { return macAlgos.valid(list) }
