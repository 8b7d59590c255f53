package x11

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// setup builds an X11 connection setup request (X11 protocol, "Connection
// Setup") in byte order 'B' or 'l', followed by extra bytes.
func setup(order byte, proto string, data []byte, extra ...byte) []byte {
	var bo binary.ByteOrder = binary.BigEndian
	if order == 'l' {
		bo = binary.LittleEndian
	}
	b := []byte{order, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	bo.PutUint16(b[2:], 11) // protocol-major-version
	bo.PutUint16(b[6:], uint16(len(proto)))
	bo.PutUint16(b[8:], uint16(len(data)))
	b = append(b, proto...)
	b = append(b, make([]byte, pad4(len(proto))-len(proto))...)
	b = append(b, data...)
	b = append(b, make([]byte, pad4(len(data))-len(data))...)
	return append(b, extra...)
}

var (
	testReal = bytes.Repeat([]byte{0xaa}, 16)
	testFake = bytes.Repeat([]byte{0x55}, 16)
)

func testSpoof() *Spoof { return &Spoof{Proto: Proto, Real: testReal, Fake: testFake} }

// TestRewriteReplacesTheFakeCookie: both byte orders, the request fed a
// byte at a time (Rewrite asks for more until it has all of it), and the
// bytes after the request left alone.
func TestRewriteReplacesTheFakeCookie(t *testing.T) {
	for _, order := range []byte{'B', 'l'} {
		in := setup(order, Proto, testFake, 'x', 'y')
		want := setup(order, Proto, testReal, 'x', 'y')
		total := len(in) - 2
		var buf []byte
		for i, c := range in[:total] {
			buf = append(buf, c)
			n, err := testSpoof().Rewrite(buf)
			if err != nil {
				t.Fatalf("%c after %d bytes: %v", order, i+1, err)
			}
			if (i+1 < total && n != 0) || (i+1 == total && n != total) {
				t.Fatalf("%c: n = %d after %d of %d bytes", order, n, i+1, total)
			}
		}
		buf = append(buf, in[total:]...)
		whole := append([]byte(nil), in...)
		if n, err := testSpoof().Rewrite(whole); n != total || err != nil || !bytes.Equal(whole, want) {
			t.Errorf("%c in one piece: n %d, err %v, %x", order, n, err, whole)
		}
		if !bytes.Equal(buf, want) {
			t.Errorf("%c: rewritten\n%x\nwant\n%x", order, buf, want)
		}
	}
}

// TestRewriteRejects: what x11_open_helper refuses, each with ssh's
// debug text.
func TestRewriteRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"byte order", append([]byte{'X'}, make([]byte, 11)...), "Initial X11 packet contains bad byte order byte: 0x58"},
		{"no authorization", setup('l', "", nil), "X11 connection uses different authentication protocol."},
		{"other protocol", setup('B', "XDM-AUTHORIZATION-1", testFake), "X11 connection uses different authentication protocol."},
		{"real cookie", setup('l', Proto, testReal), "X11 auth data does not match fake data."},
		{"short cookie", setup('l', Proto, testFake[:8]), "X11 auth data does not match fake data."},
		{"long cookie", setup('B', Proto, append(testFake, 0x55)), "X11 auth data does not match fake data."},
	} {
		in := append([]byte(nil), tc.in...)
		n, err := testSpoof().Rewrite(in)
		var auth *AuthError
		if n != 0 || !errors.As(err, &auth) || auth.Reason != tc.want {
			t.Errorf("%s: n %d, err %v; want %q", tc.name, n, err, tc.want)
		}
		if !bytes.Equal(in, tc.in) {
			t.Errorf("%s: rejected input modified", tc.name)
		}
	}
	// Fake and real of different lengths never come from Forwarder, but
	// are refused rather than half copied.
	s := &Spoof{Proto: Proto, Real: testReal[:8], Fake: testFake}
	if _, err := s.Rewrite(setup('l', Proto, testFake)); err == nil {
		t.Error("length mismatch accepted")
	}
}

// TestRewriteWaitsForTheWholeRequest: a header announcing long fields is
// incomplete until they have arrived, whatever their content.
func TestRewriteWaitsForTheWholeRequest(t *testing.T) {
	in := setup('B', Proto, testFake)
	for cut := 0; cut < len(in); cut++ {
		if n, err := testSpoof().Rewrite(in[:cut]); n != 0 || err != nil {
			t.Fatalf("%d of %d bytes: n %d, err %v", cut, len(in), n, err)
		}
	}
	huge := []byte{'B', 0, 0, 11, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0}
	if n, err := testSpoof().Rewrite(huge); n != 0 || err != nil {
		t.Fatalf("65535-byte fields: n %d, err %v", n, err)
	}
	if setupHeaderLen+pad4(0xffff)*2 > MaxSetup {
		t.Fatalf("MaxSetup %d too small", MaxSetup)
	}
}

// FuzzRewrite: no panic on any input; a success returns a length within
// the input and changes exactly the cookie's bytes, to the real ones; a
// failure or an incomplete request changes nothing.
func FuzzRewrite(f *testing.F) {
	f.Add(setup('B', Proto, testFake))
	f.Add(setup('l', Proto, testFake, 1, 2, 3))
	f.Add(setup('l', Proto, testReal))
	f.Add(setup('B', "", nil))
	f.Add([]byte{'l', 0, 11, 0, 0, 0, 18, 0, 16, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		buf := append([]byte(nil), in...)
		n, err := testSpoof().Rewrite(buf)
		if err != nil || n == 0 {
			if !bytes.Equal(buf, in) {
				t.Fatalf("input changed without success (n %d, err %v)", n, err)
			}
			return
		}
		if n > len(in) || n < setupHeaderLen+len(Proto)+len(testFake) {
			t.Fatalf("n = %d for %d bytes", n, len(in))
		}
		at := setupHeaderLen + pad4(len(Proto))
		if !bytes.Equal(buf[at:at+len(testReal)], testReal) || !bytes.Equal(in[at:at+len(testFake)], testFake) {
			t.Fatalf("cookie not replaced at %d", at)
		}
		if !bytes.Equal(buf[:at], in[:at]) || !bytes.Equal(buf[at+len(testReal):], in[at+len(testFake):]) {
			t.Fatal("bytes besides the cookie changed")
		}
	})
}

// FuzzParseDisplay: no panic; anything CheckDisplay passes parses to a
// unix socket path or a TCP port of 6000 or above, or to ssh's message.
func FuzzParseDisplay(f *testing.F) {
	for _, s := range []string{":0", ":1.0", "unix:2", "localhost:10.0", "h:59535", "h:59536", "/tmp/x:0", "::3", "", "nocolon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, display string) {
		ScreenNumber(display)
		if _, ok := CheckDisplay(display); !ok {
			return
		}
		d, err := ParseDisplay(display, func(string) bool { return false })
		if err != nil {
			var de *DisplayError
			if !errors.As(err, &de) {
				t.Fatalf("%q: untyped error %v", display, err)
			}
			return
		}
		switch d.Network {
		case "unix":
		case "tcp":
			if d.Port < baseTCPPort || d.Port > 65535 {
				t.Fatalf("%q: port %d", display, d.Port)
			}
		default:
			t.Fatalf("%q: network %q", display, d.Network)
		}
	})
}
