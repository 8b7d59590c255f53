package krl_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/krl"
)

// fullKRL has every kind of section ssh-keygen writes: serial list, range
// and bitmap and key IDs under a CA, a wildcard CA section, explicit keys
// and both fingerprint kinds.
func fullKRL(t *testing.T, ks *keySet) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "krl")
	keygen(t, "-q", "-k", "-f", out, "-z", "3", "-s", ks.path("ca1.pub"),
		ks.spec(t, "f1", "serial: 5", "serial: 9", "serial: 100-200", "serial: 300", "serial: 302", "serial: 305", "id: zero"))
	keygen(t, "-q", "-k", "-u", "-f", out, "-s", "none", ks.spec(t, "f2", "serial: 7", "id: b130"))
	keygen(t, "-q", "-k", "-u", "-f", out, ks.spec(t, "f3",
		"key: "+ks.pubLine(t, "ca2"), "sha1: "+ks.pubLine(t, "ed"), "sha256: "+ks.pubLine(t, "rsa")))
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCorruptKRLsMatchSSHKeygen truncates a KRL at every length and
// overwrites each of its bytes, and checks that Parse refuses exactly the
// files ssh-keygen -Q refuses, with the same reason, and otherwise agrees
// on every key.
func TestCorruptKRLsMatchSSHKeygen(t *testing.T) {
	ks := newKeySet(t)
	base := fullKRL(t, ks)
	file := filepath.Join(t.TempDir(), "krl")
	try := func(desc string, data []byte) {
		t.Helper()
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(desc, func(t *testing.T) { ks.compare(t, file) })
	}
	try("intact", base)
	for n := len(krl.Magic); n < len(base); n++ {
		try(fmt.Sprintf("truncated to %d", n), base[:n])
	}
	for i := len(krl.Magic); i < len(base); i++ {
		for _, b := range []byte{0x00, 0xff} {
			if base[i] == b {
				continue
			}
			mutated := append([]byte(nil), base...)
			mutated[i] = b
			try(fmt.Sprintf("byte %d set to %#x", i, b), mutated)
		}
	}
}

// wire builds SSH wire encoding for hand-made KRLs.
type wire []byte

func (w wire) u8(b byte) wire           { return append(w, b) }
func (w wire) u32(v uint32) wire        { return binary.BigEndian.AppendUint32(w, v) }
func (w wire) u64(v uint64) wire        { return binary.BigEndian.AppendUint64(w, v) }
func (w wire) str(b []byte) wire        { return append(w.u32(uint32(len(b))), b...) }
func (w wire) sect(t byte, b wire) wire { return w.u8(t).str(b) }

func header() wire {
	return wire(krl.Magic).u32(1).u64(1).u64(1700000000).u64(0).str(nil).str([]byte("c"))
}

// certSection is a KRL_SECTION_CERTIFICATES for ca (nil: wildcard).
func certSection(ca ssh.PublicKey, subs ...wire) wire {
	var w wire
	if ca != nil {
		w = w.str(ca.Marshal())
	} else {
		w = w.str(nil)
	}
	w = w.str(nil)
	for _, s := range subs {
		w = append(w, s...)
	}
	return wire(nil).sect(1, w)
}

func sub(typ byte, body wire) wire { return wire(nil).sect(typ, body) }

// signed appends a KRL_SECTION_SIGNATURE by signer over data.
func signed(t *testing.T, data wire, signer ssh.Signer, corrupt bool) wire {
	t.Helper()
	data = data.u8(4).str(signer.PublicKey().Marshal())
	sig, err := signer.Sign(rand.Reader, data)
	if err != nil {
		t.Fatal(err)
	}
	if corrupt {
		sig.Blob[0] ^= 1
	}
	return data.str(ssh.Marshal(sig))
}

// TestHandMadeKRLsMatchSSHKeygen covers what ssh-keygen -k never writes
// but a KRL may hold: signatures, unknown sections, bad serials, NULs in
// key IDs, bitmaps at the limits.
func TestHandMadeKRLsMatchSSHKeygen(t *testing.T) {
	ks := newKeySet(t)
	ca1, ca2 := ks.pubs["ca1"], ks.pubs["ca2"]
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	_, priv2, _ := ed25519.GenerateKey(rand.Reader)
	signer2, _ := ssh.NewSignerFromKey(priv2)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, _ := ssh.NewSignerFromKey(rsaPriv)
	ecPriv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSigner, _ := ssh.NewSignerFromKey(ecPriv)
	serial5 := certSection(ca1, sub(0x20, wire(nil).u64(5)))
	bitmap := func(offset uint64, bits []byte) wire {
		return certSection(ca2, sub(0x22, wire(nil).u64(offset).str(bits)))
	}
	explicitSigner := wire(nil).sect(2, wire(nil).str(signer.PublicKey().Marshal()))
	cases := map[string]wire{
		"empty":                      header(),
		"format version 2":           wire(krl.Magic).u32(2).u64(1).u64(1).u64(0).str(nil).str(nil),
		"comment with NUL inside":    wire(krl.Magic).u32(1).u64(1).u64(1).u64(0).str(nil).str([]byte("a\x00b")),
		"comment with NUL at end":    wire(krl.Magic).u32(1).u64(1).u64(1).u64(0).str(nil).str([]byte("ab\x00")),
		"unknown section":            append(header(), wire(nil).sect(9, nil)...),
		"extension section":          append(header(), wire(nil).sect(255, wire(nil).str([]byte("x@y")).u8(0).str(nil))...),
		"cert extension subsection":  append(header(), certSection(ca1, sub(0x39, wire(nil).str([]byte("x@y")).u8(0).str(nil)))...),
		"serial zero":                append(header(), certSection(ca1, sub(0x20, wire(nil).u64(0)))...),
		"reversed range":             append(header(), certSection(ca1, sub(0x21, wire(nil).u64(9).u64(3)))...),
		"range with trailing bytes":  append(header(), certSection(ca1, sub(0x21, wire(nil).u64(3).u64(9).u8(0)))...),
		"key id with NUL inside":     append(header(), certSection(nil, sub(0x23, wire(nil).str([]byte("wi\x00ld"))))...),
		"key id with NUL at end":     append(header(), certSection(nil, sub(0x23, wire(nil).str([]byte("wild\x00"))))...),
		"bitmap from zero, bit 0":    append(header(), bitmap(0, []byte{0x01})...),
		"bitmap from zero":           append(header(), bitmap(0, []byte{0x00, 0x20})...),
		"bitmap negative":            append(header(), bitmap(1, []byte{0x80})...),
		"bitmap with leading zeros":  append(header(), bitmap(128, []byte{0, 0, 0x04})...),
		"bitmap too large":           append(header(), bitmap(1, append([]byte{1}, make([]byte, 2048)...))...),
		"bitmap largest":             append(header(), bitmap(1, append([]byte{0}, append([]byte{0x40}, make([]byte, 2047)...)...))...),
		"bitmap wraps":               append(header(), bitmap(1<<64-2, []byte{0x05})...),
		"bitmap reaches last serial": append(header(), bitmap(1<<64-2, []byte{0x03})...),
		"bad CA key":                 append(header(), wire(nil).sect(1, wire(nil).str([]byte("junk")).str(nil))...),
		"CA key of unknown type":     append(header(), wire(nil).sect(1, wire(nil).str(wire(nil).str([]byte("ssh-foo")).str([]byte("x"))).str(nil))...),
		"sha1 of wrong length":       append(header(), wire(nil).sect(3, wire(nil).str(make([]byte, 19)))...),
		"sha256 of wrong length":     append(header(), wire(nil).sect(5, wire(nil).str(make([]byte, 20)))...),
		"explicit key not a key":     append(header(), wire(nil).sect(2, wire(nil).str([]byte("whatever")))...),
		"string too large":           append(header(), wire(nil).u8(2).u32(0x7ffffff0)...),
		"signed":                     signed(t, append(header(), serial5...), signer, false),
		"signed twice":               signed(t, signed(t, append(header(), serial5...), signer, false), signer2, false),
		"signed twice by one key":    signed(t, signed(t, append(header(), serial5...), signer, false), signer, false),
		"signed with RSA":            signed(t, append(header(), serial5...), rsaSigner, false),
		"signed with ECDSA":          signed(t, append(header(), serial5...), ecSigner, false),
		"bad ECDSA signature":        signed(t, append(header(), serial5...), ecSigner, true),
		"bad signature":              signed(t, append(header(), serial5...), signer, true),
		"section after signature":    append(signed(t, append(header(), serial5...), signer, false), serial5...),
		"signer revokes itself":      signed(t, append(append(header(), serial5...), explicitSigner...), signer, false),
		"one of two signers revoked": signed(t, signed(t, append(append(header(), serial5...), explicitSigner...), signer, false), signer2, false),
		"signature key not a key":    append(header(), wire(nil).u8(4).str([]byte("junk")).str(nil)...),
		"signature missing":          append(header(), wire(nil).u8(4).str(signer.PublicKey().Marshal())...),
	}
	file := filepath.Join(t.TempDir(), "krl")
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ks.compare(t, file)
		})
	}
}

// TestCorruptCAKeysMatchSSHKeygen overwrites each byte of an ECDSA and an
// RSA CA key inside a certificate section: the key blob must be refused
// with the reason sshkey_from_blob gives, or accepted as ssh accepts it.
func TestCorruptCAKeysMatchSSHKeygen(t *testing.T) {
	ks := newKeySet(t)
	ks.key(t, "carsa", "rsa", "-b", "1024")
	ks.cert(t, "ed-carsa-77", "ed", "carsa", 77, "rsaca")
	file := filepath.Join(t.TempDir(), "krl")
	for _, ca := range []string{"ca2", "carsa"} {
		out := filepath.Join(t.TempDir(), "krl-"+ca)
		keygen(t, "-q", "-k", "-f", out, "-s", ks.path(ca+".pub"), ks.spec(t, "s-"+ca, "serial: 5", "serial: 77"))
		base, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		blob := ks.pubs[ca].Marshal()
		at := bytes.Index(base, blob)
		if at < 4 {
			t.Fatalf("%s key not found in its KRL", ca)
		}
		for i := at - 4; i < at+len(blob); i++ {
			for _, b := range []byte{0x00, 0xff} {
				if base[i] == b {
					continue
				}
				mutated := append([]byte(nil), base...)
				mutated[i] = b
				if err := os.WriteFile(file, mutated, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Run(fmt.Sprintf("%s byte %d set to %#x", ca, i-at, b), func(t *testing.T) { ks.compare(t, file) })
			}
		}
	}
}
