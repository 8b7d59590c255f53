package krl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Check is OpenSSH's sshkey_check_revoked on data, the contents of a
// revocation file such as RevokedHostKeys names: a KRL when data starts
// with Magic, otherwise a list of public keys, one per line. It reports
// whether key is revoked; a file that cannot be read as either gives a
// *FormatError.
func Check(data []byte, key ssh.PublicKey) (bool, error) {
	l, err := Parse(data)
	switch {
	case err == nil:
		return l.Revoked(key), nil
	case !errors.Is(err, ErrNotKRL):
		return false, err
	}
	return inKeyList(data, key)
}

// inKeyList is sshkey_in_file with check_ca set: lines are read in order
// until one lists key, or for a certificate its CA key. Blank lines and
// comments are skipped, and so are keys too short for OpenSSH (RSA below
// 1024 bits); any other line that does not parse is an error, unless the
// key was found on an earlier line.
func inKeyList(data []byte, key ssh.PublicKey) (bool, error) {
	want := [][]byte{plainBlob(key)}
	if cert, ok := key.(*ssh.Certificate); ok {
		want = append(want, plainBlob(cert.SignatureKey))
	}
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		// The line is a C string: a NUL ends it.
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 || line[0] == '#' || line[0] == '\n' {
			continue
		}
		listed, reason := readKey(string(line))
		switch reason {
		case "":
		case reasonKeyLength:
			continue
		default:
			return false, &FormatError{Reason: reason, Line: n}
		}
		p := plainBlob(listed)
		for _, w := range want {
			if bytes.Equal(p, w) {
				return true, nil
			}
		}
	}
	return false, nil
}

// readKey is sshkey_read: a key type name, whitespace, the base64 key
// blob, and an optional comment. The name must agree with the blob.
func readKey(s string) (ssh.PublicKey, string) {
	space := strings.IndexAny(s, " \t")
	if space < 0 {
		return nil, reasonFormat
	}
	name, ok := knownNames[s[:space]]
	if !ok {
		return nil, reasonFormat
	}
	s = strings.TrimLeft(s[space:], " \t")
	if s == "" {
		return nil, reasonFormat
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	// b64_pton skips white space anywhere, such as the line's newline.
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\n\v\f\r", r) {
			return -1
		}
		return r
	}, s)
	blob, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, reasonFormat
	}
	key, reason := parseKey(blob)
	if reason != "" {
		return nil, reason
	}
	switch got := key.Type(); {
	case got == name.blobType:
	case kind(got) == kind(name.blobType):
		return nil, reasonCurve
	default:
		return nil, reasonTypeMismatch
	}
	return key, ""
}

// kind is OpenSSH's key type without the curve: the ECDSA names differ
// only in their curve, which sshkey_read reports separately.
func kind(name string) string {
	for _, curve := range []string{"nistp256", "nistp384", "nistp521"} {
		name = strings.Replace(name, curve, "", 1)
	}
	return name
}
