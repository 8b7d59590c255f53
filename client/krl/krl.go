package krl

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"slices"

	"golang.org/x/crypto/ssh"
)

// Magic starts every KRL ("SSHKRL\n\0", KRL_MAGIC).
const Magic = "SSHKRL\n\x00"

// formatVersion is KRL_FORMAT_VERSION, the only one there is.
const formatVersion = 1

// Section types of PROTOCOL.krl.
const (
	sectionCertificates = 1
	sectionExplicitKey  = 2
	sectionSHA1         = 3
	sectionSignature    = 4
	sectionSHA256       = 5

	certSerialList   = 0x20
	certSerialRange  = 0x21
	certSerialBitmap = 0x22
	certKeyID        = 0x23
)

// ErrNotKRL is returned by Parse for data that does not start with Magic
// (OpenSSH's SSH_ERR_KRL_BAD_MAGIC); such a file may be a list of keys.
var ErrNotKRL = errors.New("krl: KRL file has invalid magic number")

// List is a parsed KRL.
type List struct {
	// Version is the krl_version field, GeneratedDate the generated_date
	// field (seconds since the epoch) and Comment the comment of the
	// header.
	Version       uint64
	GeneratedDate uint64
	Comment       string

	keys   map[string]bool   // plain key blobs
	sha1   map[[20]byte]bool // SHA-1 of plain key blobs
	sha256 map[[32]byte]bool // SHA-256 of plain key blobs
	// certs holds the certificate revocations by CA: the CA key's blob,
	// or "" for the sections without a CA, which apply to every CA.
	certs map[string]*certRevocations
}

// certRevocations are the serials and key IDs revoked under one CA.
type certRevocations struct {
	serials []serialRange // sorted and merged once parsing is done
	ids     map[string]bool
}

type serialRange struct{ lo, hi uint64 }

// Parse reads a KRL in the binary format of PROTOCOL.krl. Data without
// the KRL magic gives ErrNotKRL; anything else that does not parse gives a
// *FormatError, as OpenSSH 9.2 refuses the whole file.
func Parse(data []byte) (*List, error) {
	if !bytes.HasPrefix(data, []byte(Magic)) {
		return nil, ErrNotKRL
	}
	l := &List{
		keys: map[string]bool{}, sha1: map[[20]byte]bool{},
		sha256: map[[32]byte]bool{}, certs: map[string]*certRevocations{},
	}
	r := newReader(data, 0)
	r.take(len(Magic))
	if r.u32() != formatVersion && r.err == nil {
		r.off -= 4
		r.fail(reasonFormat)
	}
	l.Version = r.u64()
	l.GeneratedDate = r.u64()
	r.u64() // flags: none are defined
	r.str() // reserved
	l.Comment = r.cstr()
	if r.err != nil {
		return nil, r.err
	}
	sectionsAt := r.off
	signers, err := checkSignatures(data, sectionsAt)
	if err != nil {
		return nil, err
	}
	for r.len() > 0 {
		typ := r.u8()
		if typ == sectionSignature {
			r.str() // signing key and signature, checked above
			r.str()
			continue
		}
		sect := r.sub()
		if r.err != nil {
			return nil, r.err
		}
		switch typ {
		case sectionCertificates:
			l.parseCerts(sect)
		case sectionExplicitKey:
			for sect.len() > 0 {
				if b := sect.str(); sect.err == nil {
					l.keys[string(b)] = true
				}
			}
		case sectionSHA1:
			for sect.len() > 0 {
				b := sect.str()
				if sect.err == nil && len(b) != sha1.Size {
					sect.fail(reasonFormat)
				}
				if sect.err == nil {
					l.sha1[[20]byte(b)] = true
				}
			}
		case sectionSHA256:
			for sect.len() > 0 {
				b := sect.str()
				if sect.err == nil && len(b) != sha256.Size {
					sect.fail(reasonFormat)
				}
				if sect.err == nil {
					l.sha256[[32]byte(b)] = true
				}
			}
		default:
			sect.fail(reasonFormat)
		}
		if sect.err != nil {
			return nil, sect.err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for _, rc := range l.certs {
		rc.serials = mergeRanges(rc.serials)
	}
	// krl.c: a KRL whose every signing key it revokes itself is refused.
	if len(signers) > 0 && !slices.ContainsFunc(signers, func(k ssh.PublicKey) bool { return !l.Revoked(k) }) {
		return nil, &FormatError{Reason: reasonRevoked, Offset: sectionsAt}
	}
	return l, nil
}

// parseCerts reads a KRL_SECTION_CERTIFICATES body.
func (l *List) parseCerts(sect *reader) {
	caBlob := sect.str()
	sect.str() // reserved
	if sect.err != nil {
		return
	}
	ca := ""
	if len(caBlob) > 0 {
		key, reason := parseKey(caBlob)
		if reason != "" {
			sect.fail(reason)
			return
		}
		ca = string(key.Marshal())
	}
	rc := l.certs[ca]
	if rc == nil {
		rc = &certRevocations{ids: map[string]bool{}}
		l.certs[ca] = rc
	}
	for sect.len() > 0 {
		typ := sect.u8()
		sub := sect.sub()
		if sect.err != nil {
			return
		}
		switch typ {
		case certSerialList:
			for sub.len() > 0 {
				s := sub.u64()
				rc.revokeSerials(sub, s, s)
			}
		case certSerialRange:
			lo, hi := sub.u64(), sub.u64()
			rc.revokeSerials(sub, lo, hi)
		case certSerialBitmap:
			rc.revokeBitmap(sub)
		case certKeyID:
			for sub.len() > 0 {
				if id := sub.cstr(); sub.err == nil {
					rc.ids[id] = true
				}
			}
		default:
			sub.fail(reasonFormat)
		}
		if sub.err == nil && sub.len() > 0 {
			sub.fail(reasonFormat)
		}
		if sub.err != nil {
			sect.err = sub.err
			return
		}
	}
}

// revokeSerials is ssh_krl_revoke_cert_by_serial_range, which refuses
// serial zero and reversed ranges.
func (rc *certRevocations) revokeSerials(r *reader, lo, hi uint64) {
	if r.err != nil {
		return
	}
	if lo > hi || lo == 0 {
		r.fail(reasonArgument)
		return
	}
	rc.serials = append(rc.serials, serialRange{lo, hi})
}

// revokeBitmap reads a serial offset and a big-endian bitmap whose bit N
// revokes serial offset+N.
func (rc *certRevocations) revokeBitmap(r *reader) {
	offset := r.u64()
	bits := r.mpint()
	if r.err != nil {
		return
	}
	nbits := uint64(len(bits)) * 8
	if len(bits) > 0 {
		for top := bits[0]; top&0x80 == 0; top <<= 1 {
			nbits-- // bits[0] is non-zero: leading zeros are trimmed
		}
	}
	// krl.c walks every index below the highest set bit and refuses a
	// bitmap that runs past the largest serial.
	if nbits > 1 && offset != 0 && nbits-1 >= -offset {
		r.fail(reasonFormat)
		return
	}
	for i := range nbits {
		if bits[len(bits)-1-int(i/8)]&(1<<(i%8)) == 0 {
			continue
		}
		start := i
		for i+1 < nbits && bits[len(bits)-1-int((i+1)/8)]&(1<<((i+1)%8)) != 0 {
			i++
		}
		rc.revokeSerials(r, offset+start, offset+i)
		if r.err != nil {
			return
		}
	}
}

// mergeRanges sorts ranges and joins those that overlap or touch.
func mergeRanges(rs []serialRange) []serialRange {
	slices.SortFunc(rs, func(a, b serialRange) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	var out []serialRange
	for _, s := range rs {
		if n := len(out); n > 0 && (s.lo <= out[n-1].hi || s.lo-1 == out[n-1].hi) {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// Revoked is krl.c's ssh_krl_check_key: whether key, or for a
// certificate its plain key, its serial or key ID under its CA or the
// wildcard CA, or its CA key, is revoked.
func (l *List) Revoked(key ssh.PublicKey) bool {
	if l.keyRevoked(key) {
		return true
	}
	cert, ok := key.(*ssh.Certificate)
	return ok && l.keyRevoked(cert.SignatureKey)
}

// keyRevoked is is_key_revoked: the checks that do not look at the CA.
func (l *List) keyRevoked(key ssh.PublicKey) bool {
	plain := plainBlob(key)
	if l.sha1[sha1.Sum(plain)] || l.sha256[sha256.Sum256(plain)] || l.keys[string(plain)] {
		return true
	}
	cert, ok := key.(*ssh.Certificate)
	if !ok {
		return false
	}
	return l.certs[string(cert.SignatureKey.Marshal())].revokes(cert) || l.certs[""].revokes(cert)
}

// revokes is is_cert_revoked. Serial zero, the default when a CA gives
// none, is never revoked by serial.
func (rc *certRevocations) revokes(cert *ssh.Certificate) bool {
	if rc == nil {
		return false
	}
	if rc.ids[cert.KeyId] {
		return true
	}
	if cert.Serial == 0 {
		return false
	}
	i, _ := slices.BinarySearchFunc(rc.serials, cert.Serial, func(r serialRange, s uint64) int {
		if r.hi < s {
			return -1
		}
		if r.lo > s {
			return 1
		}
		return 0
	})
	return i < len(rc.serials) && rc.serials[i].lo <= cert.Serial && cert.Serial <= rc.serials[i].hi
}
