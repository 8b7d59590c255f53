package escape

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// typicalInput returns 1 MiB of text like a paste into a shell: printable
// lines of up to 100 bytes ending in \r, with a '~' inside some lines
// (paths like ~/src) and an occasional "~~" at a line start.
func typicalInput() []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var b bytes.Buffer
	for b.Len() < 1<<20 {
		if rng.IntN(50) == 0 {
			b.WriteString("~~")
		}
		for range rng.IntN(100) {
			c := byte(' ' + rng.IntN(95))
			if c == '~' && rng.IntN(2) == 0 {
				c = 'x'
			}
			b.WriteByte(c)
		}
		b.WriteByte('\r')
	}
	return b.Bytes()[:1<<20]
}

// benchFeed feeds in as 32 KiB reads, the size a terminal pump reads,
// into a reused buffer.
func benchFeed(b *testing.B, esc int, in []byte) {
	dst := make([]byte, 0, 64<<10)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		f := New(esc)
		for off := 0; off < len(in); off += 32 << 10 {
			src := in[off:min(off+32<<10, len(in))]
			for len(src) > 0 {
				var n int
				dst, n, _ = f.Feed(dst[:0], src)
				src = src[n:]
			}
		}
	}
}

// BenchmarkFilter measures MiB/s on typical text, on a worst case where
// every other byte is the escape character, and with escapes off (a plain
// copy, the memcpy baseline).
func BenchmarkFilter(b *testing.B) {
	typical := typicalInput()
	b.Run("typical", func(b *testing.B) { benchFeed(b, '~', typical) })
	b.Run("paths", func(b *testing.B) {
		line := "ls -l ~/src/gssh | grep -v '^total' > /tmp/out.txt && echo done; cd ~ && make bench\r"
		benchFeed(b, '~', []byte(strings.Repeat(line, (1<<20)/len(line))))
	})
	b.Run("tildes", func(b *testing.B) {
		benchFeed(b, '~', bytes.Repeat([]byte("~a"), 1<<19))
	})
	b.Run("line-start-tildes", func(b *testing.B) {
		benchFeed(b, '~', bytes.Repeat([]byte("\r~~"), 1<<20/3))
	})
	b.Run("none", func(b *testing.B) { benchFeed(b, None, typical) })
}
