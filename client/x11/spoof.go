package x11

import (
	"crypto/subtle"
	"fmt"
)

// Proto is the only authentication protocol ssh forwards.
const Proto = "MIT-MAGIC-COOKIE-1"

// setupHeaderLen is the fixed part of an X11 connection setup request:
// byte order, pad, protocol major and minor, the lengths of the
// authorization protocol name and data, pad.
const setupHeaderLen = 12

// Spoof is the cookie pair of one forwarded display: the server's x11
// applications present Fake, which the server was given in x11-req, and
// the local display gets Real in its place.
type Spoof struct {
	Proto string
	Real  []byte
	Fake  []byte
}

// AuthError is a connection setup that does not carry the fake cookie;
// Reason says why, in ssh's debug wording. The channel is then closed.
type AuthError struct{ Reason string }

func (e *AuthError) Error() string { return "x11: " + e.Reason }

// Rewrite checks the X11 connection setup request at the start of buf
// (the first bytes the server's client sent) and puts the real cookie in
// place of the fake one, in buf itself, as x11_open_helper does. It
// returns the setup's length once buf holds all of it, 0 while more bytes
// are needed, or an *AuthError when the byte order, protocol name or
// cookie is not what the server was given.
func (s *Spoof) Rewrite(buf []byte) (int, error) {
	if len(buf) < setupHeaderLen {
		return 0, nil
	}
	var protoLen, dataLen int
	switch buf[0] {
	case 'B': // MSB first
		protoLen = int(buf[6])<<8 | int(buf[7])
		dataLen = int(buf[8])<<8 | int(buf[9])
	case 'l': // LSB first
		protoLen = int(buf[6]) | int(buf[7])<<8
		dataLen = int(buf[8]) | int(buf[9])<<8
	default:
		return 0, &AuthError{fmt.Sprintf("Initial X11 packet contains bad byte order byte: 0x%x", buf[0])}
	}
	dataAt := setupHeaderLen + pad4(protoLen)
	total := dataAt + pad4(dataLen)
	if len(buf) < total {
		return 0, nil
	}
	if protoLen != len(s.Proto) || string(buf[setupHeaderLen:setupHeaderLen+protoLen]) != s.Proto {
		return 0, &AuthError{"X11 connection uses different authentication protocol."}
	}
	if dataLen != len(s.Fake) || subtle.ConstantTimeCompare(buf[dataAt:dataAt+dataLen], s.Fake) != 1 {
		return 0, &AuthError{"X11 auth data does not match fake data."}
	}
	if len(s.Fake) != len(s.Real) {
		return 0, &AuthError{fmt.Sprintf("X11 fake_data_len %d != saved_data_len %d", len(s.Fake), len(s.Real))}
	}
	copy(buf[dataAt:], s.Real)
	return total, nil
}

// MaxSetup bounds the setup request Rewrite may need: the header and two
// fields of at most 65535 bytes each, padded.
const MaxSetup = setupHeaderLen + 2*65536

func pad4(n int) int { return (n + 3) &^ 3 }
