package krl

import (
	"crypto/rsa"
	"math/big"
	"strings"

	"golang.org/x/crypto/ssh"
)

// keyName describes one key type name OpenSSH 9.2 knows (its keyimpls
// table): the name inside the key blob it stands for, and the shape of
// that blob.
type keyName struct {
	blobType string
	family   string // "ed25519", "ecdsa", "rsa" or "dsa"
	curve    string // for ECDSA: the curve name the blob repeats
	sk       bool   // a security key: the blob ends in an application
	cert     bool
}

// dsaName is not in x/crypto, which dropped DSA; OpenSSH 9.2 still parses
// such keys, so a revocation list holding one must not fail.
const dsaName = "ssh-dss"

// knownNames are the names peek_type_nid accepts at the start of a key
// line and sshkey_from_blob inside a blob. For the first, the rsa-sha2
// and webauthn names stand for the blob types they are signature names of.
var knownNames = map[string]keyName{
	ssh.KeyAlgoED25519:        {ssh.KeyAlgoED25519, "ed25519", "", false, false},
	ssh.KeyAlgoSKED25519:      {ssh.KeyAlgoSKED25519, "ed25519", "", true, false},
	ssh.KeyAlgoECDSA256:       {ssh.KeyAlgoECDSA256, "ecdsa", "nistp256", false, false},
	ssh.KeyAlgoECDSA384:       {ssh.KeyAlgoECDSA384, "ecdsa", "nistp384", false, false},
	ssh.KeyAlgoECDSA521:       {ssh.KeyAlgoECDSA521, "ecdsa", "nistp521", false, false},
	ssh.KeyAlgoSKECDSA256:     {ssh.KeyAlgoSKECDSA256, "ecdsa", "nistp256", true, false},
	ssh.KeyAlgoRSA:            {ssh.KeyAlgoRSA, "rsa", "", false, false},
	dsaName:                   {dsaName, "dsa", "", false, false},
	ssh.CertAlgoED25519v01:    {ssh.CertAlgoED25519v01, "ed25519", "", false, true},
	ssh.CertAlgoSKED25519v01:  {ssh.CertAlgoSKED25519v01, "ed25519", "", true, true},
	ssh.CertAlgoECDSA256v01:   {ssh.CertAlgoECDSA256v01, "ecdsa", "nistp256", false, true},
	ssh.CertAlgoECDSA384v01:   {ssh.CertAlgoECDSA384v01, "ecdsa", "nistp384", false, true},
	ssh.CertAlgoECDSA521v01:   {ssh.CertAlgoECDSA521v01, "ecdsa", "nistp521", false, true},
	ssh.CertAlgoSKECDSA256v01: {ssh.CertAlgoSKECDSA256v01, "ecdsa", "nistp256", true, true},
	ssh.CertAlgoRSAv01:        {ssh.CertAlgoRSAv01, "rsa", "", false, true},

	ssh.KeyAlgoRSASHA256:                          {ssh.KeyAlgoRSA, "rsa", "", false, false},
	ssh.KeyAlgoRSASHA512:                          {ssh.KeyAlgoRSA, "rsa", "", false, false},
	ssh.CertAlgoRSASHA256v01:                      {ssh.CertAlgoRSAv01, "rsa", "", false, true},
	ssh.CertAlgoRSASHA512v01:                      {ssh.CertAlgoRSAv01, "rsa", "", false, true},
	"webauthn-sk-ecdsa-sha2-nistp256@openssh.com": {ssh.KeyAlgoSKECDSA256, "ecdsa", "nistp256", true, false},
}

// minRSABits is SSH_RSA_MINIMUM_MODULUS_SIZE: sshkey_from_blob refuses
// smaller RSA keys with "Invalid key length".
const minRSABits = 1024

// maxECPoint is SSHBUF_MAX_ECPOINT, in bytes.
const maxECPoint = 528*2/8 + 1

// opaqueKey stands for a key OpenSSH accepts but x/crypto cannot parse: a
// DSA key, or an RSA key with an exponent x/crypto refuses. No host key
// x/crypto hands to gssh can equal one, so it only has to compare by its
// blob and never verify.
type opaqueKey struct {
	typ  string
	blob []byte
}

func (k opaqueKey) Type() string                        { return k.typ }
func (k opaqueKey) Marshal() []byte                     { return k.blob }
func (k opaqueKey) Verify([]byte, *ssh.Signature) error { return errOpaque }

type opaqueError struct{}

func (opaqueError) Error() string { return "krl: cannot verify signatures of this key" }

var errOpaque = opaqueError{}

// parseKey is sshkey_from_blob: a public key or certificate in wire form,
// with OpenSSH 9.2's checks. On failure it returns ssh_err's text.
func parseKey(blob []byte) (ssh.PublicKey, string) {
	r := newReader(blob, 0)
	name := r.cstr()
	if r.err != nil {
		return nil, reasonFormat
	}
	kn, ok := knownNames[name]
	if !ok || kn.blobType != name {
		return nil, reasonKeyType
	}
	if reason := walkKey(r, kn); reason != "" {
		return nil, reason
	}
	key, err := ssh.ParsePublicKey(blob)
	switch {
	case err == nil:
	case !kn.cert && (kn.family == "dsa" || kn.family == "rsa"):
		return opaqueKey{typ: name, blob: blob}, ""
	case strings.Contains(err.Error(), "signature key type"):
		return nil, reasonSignKey
	default:
		return nil, reasonFormat
	}
	if cert, ok := key.(*ssh.Certificate); ok {
		if reason := checkCert(cert); reason != "" {
			return nil, reason
		}
	}
	return key, ""
}

// walkKey reads the fields of a key blob after its name the way
// sshkey_from_blob does, so that a malformed blob fails with the reason
// ssh gives rather than x/crypto's.
func walkKey(r *reader, kn keyName) string {
	if kn.cert {
		if r.str(); r.err != nil { // nonce
			return reasonFormat
		}
	}
	switch kn.family {
	case "ed25519":
		if pk := r.str(); r.err == nil && len(pk) != 32 {
			return reasonFormat
		}
	case "ecdsa":
		if curve := r.cstr(); r.err == nil && curve != kn.curve {
			return reasonCurve
		}
		if r.err != nil {
			return r.err.Reason
		}
		point := r.str()
		switch {
		case r.err != nil:
		case len(point) == 0 || len(point) > maxECPoint:
			return reasonECPoint
		case point[0] != 4: // uncompressed
			return reasonFormat
		}
	case "rsa":
		r.mpint() // e
		n := r.mpint()
		if r.err != nil {
			return reasonFormat
		}
		if new(big.Int).SetBytes(n).BitLen() < minRSABits {
			return reasonKeyLength
		}
	case "dsa":
		for range 4 { // p, q, g, y
			r.mpint()
		}
		if r.err != nil {
			return reasonFormat
		}
	}
	if kn.sk {
		r.cstr() // application
	}
	if r.err != nil {
		return r.err.Reason
	}
	if kn.cert {
		r.u64()       // serial
		r.u32()       // type
		r.cstr()      // key ID
		r.str()       // principals
		r.u64()       // valid after
		r.u64()       // valid before
		for range 5 { // options, extensions, reserved, CA key, signature
			r.str()
		}
		if r.err != nil {
			return reasonFormat
		}
	}
	if r.len() != 0 {
		return reasonFormat
	}
	return ""
}

// checkLength refuses RSA keys below OpenSSH's minimum.
func checkLength(key ssh.PublicKey) string {
	ck, ok := key.(ssh.CryptoPublicKey)
	if !ok {
		return ""
	}
	if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && rk.N.BitLen() < minRSABits {
		return reasonKeyLength
	}
	return ""
}

// checkCert is what cert_parse adds to x/crypto's parsing: a known
// certificate type, a CA key of acceptable size and a signature that
// verifies.
func checkCert(cert *ssh.Certificate) string {
	if cert.CertType != ssh.UserCert && cert.CertType != ssh.HostCert {
		return reasonCertType
	}
	if _, ok := knownNames[cert.SignatureKey.Type()]; !ok {
		return reasonSignKey
	}
	if checkLength(cert.SignatureKey) != "" {
		return reasonSignKey
	}
	unsigned := *cert
	unsigned.Signature = nil
	signed := unsigned.Marshal()
	signed = signed[:len(signed)-4] // the empty signature string
	if err := cert.SignatureKey.Verify(signed, cert.Signature); err != nil {
		return reasonSignature
	}
	return ""
}

// plainBlob is the wire form of key without any certificate around it
// (krl.c plain_key_blob).
func plainBlob(key ssh.PublicKey) []byte {
	if cert, ok := key.(*ssh.Certificate); ok {
		key = cert.Key
	}
	return key.Marshal()
}
