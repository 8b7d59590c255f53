package krl

import (
	"crypto/rsa"
	"strings"

	"golang.org/x/crypto/ssh"
)

// keyName describes one key type name OpenSSH 9.2 knows (its keyimpls
// table): the type of the key blob it stands for, and whether that is a
// certificate.
type keyName struct {
	blobType string
	cert     bool
}

// dsaName is not in x/crypto, which dropped DSA; OpenSSH 9.2 still parses
// such keys, so a revocation list holding one must not fail.
const dsaName = "ssh-dss"

// knownNames are the names peek_type_nid accepts at the start of a key
// line, mapped to the name inside the blob they must agree with.
var knownNames = map[string]keyName{
	ssh.KeyAlgoED25519:       {ssh.KeyAlgoED25519, false},
	ssh.KeyAlgoSKED25519:     {ssh.KeyAlgoSKED25519, false},
	ssh.KeyAlgoECDSA256:      {ssh.KeyAlgoECDSA256, false},
	ssh.KeyAlgoECDSA384:      {ssh.KeyAlgoECDSA384, false},
	ssh.KeyAlgoECDSA521:      {ssh.KeyAlgoECDSA521, false},
	ssh.KeyAlgoSKECDSA256:    {ssh.KeyAlgoSKECDSA256, false},
	ssh.KeyAlgoRSA:           {ssh.KeyAlgoRSA, false},
	ssh.KeyAlgoRSASHA256:     {ssh.KeyAlgoRSA, false},
	ssh.KeyAlgoRSASHA512:     {ssh.KeyAlgoRSA, false},
	dsaName:                  {dsaName, false},
	ssh.CertAlgoED25519v01:   {ssh.CertAlgoED25519v01, true},
	ssh.CertAlgoSKED25519v01: {ssh.CertAlgoSKED25519v01, true},
	ssh.CertAlgoECDSA256v01:  {ssh.CertAlgoECDSA256v01, true},
	ssh.CertAlgoECDSA384v01:  {ssh.CertAlgoECDSA384v01, true},
	ssh.CertAlgoECDSA521v01:  {ssh.CertAlgoECDSA521v01, true},
	ssh.CertAlgoSKECDSA256v01: {
		ssh.CertAlgoSKECDSA256v01, true},
	ssh.CertAlgoRSAv01:                            {ssh.CertAlgoRSAv01, true},
	ssh.CertAlgoRSASHA256v01:                      {ssh.CertAlgoRSAv01, true},
	ssh.CertAlgoRSASHA512v01:                      {ssh.CertAlgoRSAv01, true},
	"webauthn-sk-ecdsa-sha2-nistp256@openssh.com": {ssh.KeyAlgoSKECDSA256, false},
}

// minRSABits is SSH_RSA_MINIMUM_MODULUS_SIZE: sshkey_from_blob refuses
// smaller RSA keys with "Invalid key length".
const minRSABits = 1024

// dsaKey stands for a DSA public key: x/crypto cannot parse one, and no
// host key gssh accepts can equal it, but it must compare by its blob.
type dsaKey struct{ blob []byte }

func (k dsaKey) Type() string                        { return dsaName }
func (k dsaKey) Marshal() []byte                     { return k.blob }
func (k dsaKey) Verify([]byte, *ssh.Signature) error { return errDSA }
func (k dsaKey) String() string                      { return dsaName }

type dsaError struct{}

func (dsaError) Error() string { return "krl: DSA signatures are not supported" }

var errDSA = dsaError{}

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
	if name == dsaName {
		for range 4 { // p, q, g, y
			r.mpint()
		}
		if r.err != nil {
			return nil, r.err.Reason
		}
		if r.len() != 0 {
			return nil, reasonFormat
		}
		return dsaKey{blob: blob}, ""
	}
	if reason := walkKey(r, kn); reason != "" {
		return nil, reason
	}
	key, err := ssh.ParsePublicKey(blob)
	if err != nil {
		if strings.Contains(err.Error(), "signature key type") {
			return nil, reasonSignKey
		}
		if strings.Contains(err.Error(), "unknown key algorithm") {
			return nil, reasonKeyType
		}
		return nil, reasonFormat
	}
	plain := key
	if cert, ok := key.(*ssh.Certificate); ok {
		if reason := checkCert(cert); reason != "" {
			return nil, reason
		}
		plain = cert.Key
	}
	if reason := checkLength(plain); reason != "" {
		return nil, reason
	}
	return key, ""
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
		return reasonKeyType
	}
	if reason := checkLength(cert.SignatureKey); reason != "" {
		return reason
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

// walkKey reads the fields of a key blob after its name the way
// sshkey_from_blob does, so that a malformed blob fails with the reason
// ssh gives ("incomplete message", "string is too large", ...) rather
// than x/crypto's.
func walkKey(r *reader, kn keyName) string {
	if kn.cert {
		if r.str(); r.err != nil { // nonce
			return reasonFormat
		}
	}
	plain := strings.Replace(kn.blobType, "-cert-v01@openssh.com", "", 1)
	switch {
	case plain == ssh.KeyAlgoED25519 || plain == "ssh-ed25519-sk" || plain == "sk-ssh-ed25519@openssh.com":
		if pk := r.str(); r.err == nil && len(pk) != 32 {
			return reasonFormat
		}
		if strings.HasPrefix(plain, "sk-") {
			r.cstr()
		}
	case strings.Contains(plain, "ecdsa-sha2-"):
		curve := r.cstr()
		if r.err == nil && !strings.HasSuffix(plain, curve) && !strings.HasSuffix(plain, curve+"@openssh.com") {
			return reasonCurve
		}
		r.str()
		if strings.HasPrefix(plain, "sk-") {
			r.cstr()
		}
	case plain == ssh.KeyAlgoRSA:
		r.mpint()
		r.mpint()
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
	return ""
}
