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
		var sig ssh.Signature
		if err := ssh.Unmarshal(sigBlob, &sig); err != nil {
			return nil, &FormatError{Reason: reasonFormat, Offset: signedLen}
		}
		if err := key.Verify(data[:signedLen], &sig); err != nil {
			return nil, &FormatError{Reason: reasonSignature, Offset: signedLen}
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
