package krl

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// OpenSSH's ssh_err texts for the failures a revocation file can cause.
const (
	reasonIncomplete   = "incomplete message"
	reasonFormat       = "invalid format"
	reasonTooLarge     = "string is too large"
	reasonNegative     = "bignum is negative"
	reasonBignumLarge  = "bignum is too large"
	reasonArgument     = "invalid argument"
	reasonKeyType      = "unknown or unsupported key type"
	reasonTypeMismatch = "key type does not match"
	reasonCurve        = "elliptic curve does not match"
	reasonKeyLength    = "Invalid key length"
	reasonSignature    = "incorrect signature"
	reasonSignKey      = "invalid certificate signing key"
	reasonCertType     = "unknown/unsupported certificate type"
	reasonRevoked      = "Key is revoked"
	reasonECPoint      = "elliptic curve point is too large"
	reasonTrailing     = "unexpected bytes remain after decoding"
)

// FormatError is a revocation file that cannot be used. Reason is the text
// OpenSSH's ssh_err gives for the same failure ("invalid format",
// "incomplete message", ...), which ssh prints after "Error checking host
// key ... in revoked keys file FILE: ".
type FormatError struct {
	Reason string
	// Offset is where in a KRL parsing stopped; Line is the 1-based line
	// of a key list (0 for a KRL).
	Offset int
	Line   int
}

func (e *FormatError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("krl: line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("krl: offset %d: %s", e.Offset, e.Reason)
}

// sshbufMax is SSHBUF_SIZE_MAX: no string may claim more.
const sshbufMax = 0x8000000

// maxBignumBytes is SSHBUF_MAX_BIGNUM: 16384 bits.
const maxBignumBytes = 16384 / 8

// reader consumes SSH wire encoding (RFC 4251 section 5) the way sshbuf
// does, remembering the first failure so that parsers can read several
// fields and check once.
type reader struct {
	data []byte
	off  int
	base int // offset of data within the whole KRL, for errors
	err  *FormatError
}

func newReader(data []byte, base int) *reader {
	return &reader{data: data, base: base}
}

func (r *reader) fail(reason string) {
	if r.err == nil {
		r.err = &FormatError{Reason: reason, Offset: r.base + r.off}
	}
}

func (r *reader) len() int {
	if r.err != nil {
		return 0
	}
	return len(r.data) - r.off
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.data)-r.off {
		r.fail(reasonIncomplete)
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// str is sshbuf_get_string_direct: a uint32 length and that many bytes.
// The returned slice aliases the input.
func (r *reader) str() []byte {
	if r.err != nil {
		return nil
	}
	if len(r.data)-r.off < 4 {
		r.fail(reasonIncomplete)
		return nil
	}
	n := binary.BigEndian.Uint32(r.data[r.off:])
	if n > sshbufMax-4 {
		r.fail(reasonTooLarge)
		return nil
	}
	if int(n) > len(r.data)-r.off-4 {
		r.fail(reasonIncomplete)
		return nil
	}
	r.off += 4
	return r.take(int(n))
}

// sub reads a string and returns a reader over its contents.
func (r *reader) sub() *reader {
	start := r.base + r.off + 4
	b := r.str()
	if r.err != nil {
		return &reader{err: r.err}
	}
	return newReader(b, start)
}

// cstr is sshbuf_get_cstring: a string with no NUL except, optionally, one
// at its very end, which ends the C string.
func (r *reader) cstr() string {
	if r.err != nil || len(r.data)-r.off < 4 {
		r.str() // records the error
		return ""
	}
	save := r.off
	b := r.str()
	if r.err != nil {
		return ""
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if i < len(b)-1 {
			r.off = save
			r.fail(reasonFormat)
			return ""
		}
		b = b[:i]
	}
	return string(b)
}

// mpint is sshbuf_get_bignum2_bytes_direct: a non-negative multiple
// precision integer of at most 16384 bits, leading zeros removed.
func (r *reader) mpint() []byte {
	if r.err != nil || len(r.data)-r.off < 4 {
		r.str()
		return nil
	}
	save := r.off
	b := r.str()
	if r.err != nil {
		return nil
	}
	switch {
	case len(b) > 0 && b[0]&0x80 != 0:
		r.off = save
		r.fail(reasonNegative)
		return nil
	case len(b) > maxBignumBytes+1 || (len(b) == maxBignumBytes+1 && b[0] != 0):
		r.off = save
		r.fail(reasonBignumLarge)
		return nil
	}
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}
