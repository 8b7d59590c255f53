package termsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Charset is what the user's locale lets ssh print unescaped.
type Charset int

const (
	// ASCII is the C locale: every byte above 0x7f is escaped.
	ASCII Charset = iota
	// UTF8 is a UTF-8 locale: valid, printable UTF-8 is kept.
	UTF8
)

// Text renders s as ssh's fmprintf("%s", s) does in a locale of charset
// cs; see the package comment.
func Text(s string, cs Charset) string {
	s = cString(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f) {
				b.WriteByte(c)
			} else {
				writeOctal(&b, c)
			}
			i++
			continue
		}
		if cs != UTF8 {
			writeOctal(&b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			writeOctal(&b, c)
			i++
			continue
		}
		if printable(r) {
			b.WriteString(s[i : i+size])
		} else {
			for j := i; j < i+size; j++ {
				writeOctal(&b, s[j])
			}
		}
		i += size
	}
	return b.String()
}

// printable is glibc's wcwidth(r) != -1 in C.UTF-8 for the characters
// utf8 can decode: every assigned character except the C0 and C1 controls
// and the line and paragraph separators. Private-use and format characters
// count as printable there. Go's Unicode tables may be a version ahead of
// the C library's, so a character assigned in between is kept by gssh and
// escaped by ssh.
func printable(r rune) bool {
	switch {
	case r < 0xa0:
		return r >= 0x20 && r < 0x7f
	case r == 0x2028, r == 0x2029:
		return false
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S,
		unicode.Zs, unicode.Cf, unicode.Co)
}

// Sizes of log.c's buffers: MSGBUFSIZ, and the room left for "\r\n" and
// the terminating NUL when the line is written to stderr.
const (
	msgBufSize = 1024
	lineMax    = msgBufSize - 3
)

// LogLine renders one formatted log message as ssh's do_log writes it to
// stderr, without the "\r\n" it ends the line with; see the package
// comment.
func LogLine(msg string) string {
	msg = cString(msg)
	if len(msg) > msgBufSize-1 {
		msg = msg[:msgBufSize-1]
	}
	end := msgBufSize - 1 // strnvis keeps one byte for its NUL
	out := make([]byte, 0, min(len(msg)*4, end))
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		switch {
		case c == '\\':
			if len(out)+2 > end {
				return logCut(out)
			}
			out = append(out, '\\', '\\')
		case safe(c):
			if len(out)+1 > end {
				return logCut(out)
			}
			out = append(out, c)
		default:
			if len(out)+4 > end {
				return logCut(out)
			}
			out = append(out, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
		}
	}
	return logCut(out)
}

// logCut is the "%.*s" with which do_log writes at most lineMax bytes; it
// may cut an octal escape short, as ssh does.
func logCut(out []byte) string {
	if len(out) > lineMax {
		out = out[:lineMax]
	}
	return string(out)
}

// safe is vis's isvisible for VIS_SAFE without VIS_SP, VIS_TAB or VIS_NL.
func safe(c byte) bool {
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\b' || c == '\a' || c == '\r'
}

func writeOctal(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c>>6)
	b.WriteByte('0' + c>>3&7)
	b.WriteByte('0' + c&7)
}

// cString is s up to its first NUL, where C's "%s" stops.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}
