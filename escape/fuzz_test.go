package escape

import (
	"bytes"
	"testing"
)

// FuzzFilter checks, for any input, escape character and chunking:
// no panic; the result does not depend on chunking; it matches the
// byte-at-a-time model of OpenSSH's loop; input without the escape
// character comes out unchanged; and the output is never longer than the
// input.
func FuzzFilter(f *testing.F) {
	for _, tc := range filterCases {
		esc, none := byte(tc.esc), tc.esc == None
		f.Add(esc, none, []byte(tc.in), []byte{1, 2, 3})
	}
	f.Add(byte('~'), false, []byte("echo hi\r~B~?ls\r~~.~.\n~x~~\r~&"), []byte{0, 5, 1})
	f.Add(byte('\n'), false, []byte("\n\n\n.\r\n"), []byte{})

	f.Fuzz(func(t *testing.T, escByte byte, none bool, in, cuts []byte) {
		esc := int(escByte)
		if none {
			esc = None
		}

		whole, wholeEvs := feedAll(t, New(esc), in)

		// Cut the input into chunks whose sizes come from cuts, cycling
		// through them; a zero produces an empty chunk.
		var chunks [][]byte
		rest := in
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(int(cuts[i%len(cuts)]%17), len(rest))
			}
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
			if i > 4*len(in)+4 { // all-zero cuts: finish in one piece
				chunks = append(chunks, rest)
				break
			}
		}
		split, splitEvs := feedAll(t, New(esc), chunks...)
		if got, want := render(split, splitEvs), render(whole, wholeEvs); got != want {
			t.Fatalf("chunks %q gave %q, whole gave %q", chunks, got, want)
		}

		if got, want := render(whole, wholeEvs), render(model(esc, in)); got != want {
			t.Fatalf("Feed gave %q, model %q", got, want)
		}

		if none || bytes.IndexByte(in, escByte) < 0 {
			if !bytes.Equal(whole, in) || len(wholeEvs) != 0 {
				t.Fatalf("input without escape char changed: %q -> %q %v", in, whole, wholeEvs)
			}
		}
		if len(whole) > len(in) {
			t.Fatalf("output %d bytes longer than input %d", len(whole), len(in))
		}
	})
}
