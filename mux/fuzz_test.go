package mux

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary payloads to Decode and checks: no panic; a
// failure is one of the package's typed errors with the mux: prefix; and a
// success survives Encode, so decode(encode(m)) == m and encoding again
// gives the same bytes (the encoding is canonical). It also reads the
// input as a frame stream, which must never return more than its input.
func FuzzDecode(f *testing.F) {
	for _, tc := range allMessages {
		p, err := Encode(tc.msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	for _, s := range []string{
		"",
		"10000003 0000002a",
		"80000003 00000001 ffffffff",
		"10000002 00000001 00000003 616263 00000002 00000000 ffffffff 00000000 ffffffff 00000000 00000000",
		"10000006 00000001 00000001 00000000 00010000 00000001 68 00000016",
		"00000008 10000004 00000007 00000000",
	} {
		f.Add(hexBytes(f, s))
	}

	f.Fuzz(func(t *testing.T, payload []byte) {
		if p, err := ReadFrame(bytes.NewReader(payload), 1024); err == nil && len(p) > len(payload) {
			t.Fatalf("ReadFrame returned %d bytes from %d", len(p), len(payload))
		}

		m, err := Decode(payload)
		if err != nil {
			var fe *FieldError
			var ue *UnknownTypeError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			if m != nil {
				t.Fatalf("message %#v returned with error %v", m, err)
			}
			if !strings.HasPrefix(err.Error(), "mux: ") {
				t.Fatalf("error %q lacks the mux: prefix", err)
			}
			return
		}
		if len(payload) > MaxFrameSize {
			return // Encode refuses what no peer may send in one frame
		}
		p, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(%#v) of a decoded message: %v", m, err)
		}
		if len(p) > len(payload) {
			t.Fatalf("re-encoding grew %d -> %d bytes", len(payload), len(p))
		}
		m2, err := Decode(p)
		if err != nil {
			t.Fatalf("Decode(Encode(m)): %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("decode(encode(m)) != m:\n%#v\n%#v", m, m2)
		}
		if p2, _ := Encode(m2); !bytes.Equal(p, p2) {
			t.Fatalf("encoding not canonical: %x then %x", p, p2)
		}
	})
}
