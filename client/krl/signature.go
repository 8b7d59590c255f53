package krl

import (
	"bytes"

	"golang.org/x/crypto/ssh"
)

// checkSignatures is the first pass of OpenSSH 9.2's ssh_krl_from_blob
// over the sections starting at data[start:]: every KRL_SECTION_SIGNATURE
// must come after all other sections, name a key that parses, and carry a
// signature by that key over the KRL up to and including the key; no key
// may sign twice. ssh-keygen never writes signatures and OpenSSH 9.4
// dropped them, but 9.2 refuses a KRL whose signature does not verify, so
// gssh does too. The signing keys are returned for the final check that
// not all of them are revoked.
func checkSignatures(data []byte, start int) ([]ssh.PublicKey, error) {
	r := newReader(data, 0)
	r.off = start
	var signers []ssh.PublicKey
	for r.len() > 0 {
		typ := r.u8()
		keyBlob := r.str()
		if r.err != nil {
			return nil, r.err
		}
		if typ != sectionSignature {
			if len(signers) > 0 {
				return nil, &FormatError{Reason: reasonFormat, Offset: r.off}
			}
			continue
		}
		key, reason := parseKey(keyBlob)
		if reason != "" {
			return nil, &FormatError{Reason: reasonFormat, Offset: r.off}
		}
		signedLen := r.off
		sigBlob := r.str()
		if r.err != nil {
			return nil, &FormatError{Reason: reasonFormat, Offset: r.off}
		}
		if reason := verify(key, data[:signedLen], sigBlob); reason != "" {
			return nil, &FormatError{Reason: reason, Offset: signedLen}
		}
		for _, k := range signers {
			if k.Type() == key.Type() && bytes.Equal(k.Marshal(), key.Marshal()) {
				return nil, &FormatError{Reason: reasonFormat, Offset: signedLen}
			}
		}
		signers = append(signers, key)
	}
	return signers, nil
}

// verify is sshkey_verify with no algorithm required: the signature's
// structure is checked first, as the ssh_*_verify functions do, so that a
// malformed one fails with their reason.
func verify(key ssh.PublicKey, data, sigBlob []byte) string {
	kn := knownNames[key.Type()]
	r := newReader(sigBlob, 0)
	format := r.cstr()
	inner := r.sub()
	if r.err != nil {
		return reasonFormat
	}
	if !kn.sk && r.len() != 0 {
		return reasonTrailing
	}
	switch kn.family {
	case "rsa":
		if format != ssh.KeyAlgoRSA && format != ssh.KeyAlgoRSASHA256 && format != ssh.KeyAlgoRSASHA512 {
			return reasonTypeMismatch
		}
	case "ecdsa":
		if format != kn.blobType {
			return reasonTypeMismatch
		}
		if !kn.sk {
			inner.mpint()
			inner.mpint()
			if inner.err != nil {
				return reasonFormat
			}
			if inner.len() != 0 {
				return reasonTrailing
			}
		}
	case "ed25519":
		if format != kn.blobType {
			return reasonTypeMismatch
		}
		if !kn.sk && len(inner.data) > 64 {
			return reasonFormat
		}
	}
	var sig ssh.Signature
	if err := ssh.Unmarshal(sigBlob, &sig); err != nil {
		return reasonFormat
	}
	if err := key.Verify(data, &sig); err != nil {
		return reasonSignature
	}
	return ""
}
