package mux

import (
	"bytes"
	"testing"
)

// BenchmarkEncode measures Encode for every message in allMessages. A
// control connection carries a handful of messages per session, so these
// numbers matter only as a guard against accidental quadratic work.
func BenchmarkEncode(b *testing.B) {
	for _, tc := range allMessages {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(tc.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode measures Decode of each message's payload.
func BenchmarkDecode(b *testing.B) {
	for _, tc := range allMessages {
		p, err := Encode(tc.msg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadWriteMessage measures a frame through WriteMessage and
// ReadMessage, the path every request takes.
func BenchmarkReadWriteMessage(b *testing.B) {
	m := &NewSession{RequestID: 1, EscapeChar: '~', Term: "xterm-256color", Command: "ls -l", Env: []string{"LANG=C.UTF-8"}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteMessage(&buf, m); err != nil {
			b.Fatal(err)
		}
		if _, err := ReadMessage(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
