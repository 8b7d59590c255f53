package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestText pins utf8.c's rendering as /usr/bin/ssh (OpenSSH 9.2, glibc
// 2.36) printed these strings in a userauth banner, under LANG=C and
// LANG=C.UTF-8.
func TestText(t *testing.T) {
	for _, tc := range []struct {
		name, in, ascii, utf8 string
	}{
		{"printable ASCII", "hello, world ~!", "hello, world ~!", "hello, world ~!"},
		{"kept controls", "a\tb\r\nc", "a\tb\r\nc", "a\tb\r\nc"},
		{"other C0", "\x01\x07\x08\x0b\x0c\x1b\x1f", `\001\007\010\013\014\033\037`, `\001\007\010\013\014\033\037`},
		{"DEL", "x\x7fy", `x\177y`, `x\177y`},
		{"title sequence", "\x1b]0;pwned\x07", `\033]0;pwned\007`, `\033]0;pwned\007`},
		{"clear screen", "\x1b[2J\x1b[H", `\033[2J\033[H`, `\033[2J\033[H`},
		{"8-bit CSI", "\x9b31m", `\23331m`, `\23331m`},
		{"C1 in UTF-8", "\xc2\x9b31m\xc2\x85", `\302\23331m\302\205`, `\302\23331m\302\205`},
		{"backslash kept", `a\b`, `a\b`, `a\b`},
		{"euro", "\xe2\x82\xac", `\342\202\254`, "\xe2\x82\xac"},
		{"truncated sequence", "\xe2\x82\n", `\342\202` + "\n", `\342\202` + "\n"},
		{"emoji", "\xf0\x9f\x98\x80", `\360\237\230\200`, "\xf0\x9f\x98\x80"},
		{"surrogate", "\xed\xa0\x80", `\355\240\200`, `\355\240\200`},
		{"overlong", "\xc0\xaf", `\300\257`, `\300\257`},
		{"replacement char", "\xef\xbf\xbd", `\357\277\275`, "\xef\xbf\xbd"},
		{"RLO and combining", "\xe2\x80\xae\xcd\x81", `\342\200\256\315\201`, "\xe2\x80\xae\xcd\x81"},
		{"line separator", "\xe2\x80\xa8", `\342\200\250`, `\342\200\250`},
		{"noncharacter", "\xef\xbf\xbe", `\357\277\276`, `\357\277\276`},
		{"lone bytes", "\x80\xbf\xfe\xff", `\200\277\376\377`, `\200\277\376\377`},
		{"stops at NUL", "ab\x00\x1bcd", "ab", "ab"},
		{"long line", strings.Repeat("L", 5000) + "\x1b", strings.Repeat("L", 5000) + `\033`, strings.Repeat("L", 5000) + `\033`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in, ASCII); got != tc.ascii {
				t.Errorf("ASCII: Text(%q) = %q, want %q", tc.in, got, tc.ascii)
			}
			if got := Text(tc.in, UTF8); got != tc.utf8 {
				t.Errorf("UTF8: Text(%q) = %q, want %q", tc.in, got, tc.utf8)
			}
		})
	}
}

// TestLogLine pins log.c's strnvis(VIS_SAFE|VIS_OCTAL) and its buffer
// limits, as /usr/bin/ssh logged keyboard-interactive instructions.
func TestLogLine(t *testing.T) {
	long := strings.Repeat("L", 2000)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "Received disconnect", "Received disconnect"},
		{"VIS_SAFE keeps", "a\a\b\t\r\nb", "a\a\b\t\r\nb"},
		{"other C0", "\x01\x0b\x0c\x1b\x1f", `\001\013\014\033\037`},
		{"title sequence", "\x1b]0;pwned\x07", "\\033]0;pwned\a"},
		{"DEL", "\x7f", `\177`},
		{"backslash doubled", `a\b`, `a\\b`},
		{"UTF-8 escaped bytewise", "\xc3\xa9\xc2\x9b", `\303\251\302\233`},
		{"stops at NUL", "ab\x00cd", "ab"},
		{"cut at 1021", long, long[:lineMax]},
		{"escapes up to the buffer", strings.Repeat("\x1b", 2000), strings.Repeat(`\033`, 255)},
		{"escape cut by the line limit", "LL" + strings.Repeat("\x1b", 300), "LL" + strings.Repeat(`\033`, 254) + `\03`},
		{"escape that does not fit", strings.Repeat("L", 1020) + "\x1b", strings.Repeat("L", 1020)},
		{"backslash that does not fit", strings.Repeat("L", 1022) + `\`, strings.Repeat("L", 1021)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LogLine(tc.in); got != tc.want {
				t.Errorf("LogLine(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLocaleCharset(t *testing.T) {
	have := map[string]bool{"en_GB.UTF-8": true, "de_DE": true}
	installed := func(n string) bool { return have[n] }
	for _, tc := range []struct {
		env  map[string]string
		want Charset
	}{
		{map[string]string{}, ASCII},
		{map[string]string{"LANG": "C"}, ASCII},
		{map[string]string{"LANG": "C.UTF-8"}, UTF8},
		{map[string]string{"LANG": "C.utf8"}, UTF8},
		{map[string]string{"LANG": "POSIX"}, ASCII},
		{map[string]string{"LANG": "en_US.UTF-8"}, ASCII}, // not installed
		{map[string]string{"LANG": "en_GB.UTF-8"}, UTF8},
		{map[string]string{"LANG": "de_DE"}, ASCII}, // Latin-1
		{map[string]string{"LANG": "C.UTF-8", "LC_CTYPE": "C"}, ASCII},
		{map[string]string{"LANG": "C", "LC_CTYPE": "C.UTF-8"}, UTF8},
		{map[string]string{"LC_ALL": "C", "LC_CTYPE": "C.UTF-8"}, ASCII},
		{map[string]string{"LC_ALL": "", "LANG": "C.UTF-8"}, UTF8}, // empty counts as unset for setlocale
		{map[string]string{"LANG": "tr_TR.UTF-8"}, UTF8},           // msetlocale: C.UTF-8 instead
		{map[string]string{"LANG": "tr_TR"}, ASCII},
		{map[string]string{"LC_CTYPE": "TR_tr.utf8", "LANG": "C"}, UTF8},
	} {
		lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		if got := LocaleCharset(lookup, installed); got != tc.want {
			t.Errorf("%v: got %v, want %v", tc.env, got, tc.want)
		}
	}
}

// TestInstalled checks the lookup against what this machine's glibc loads:
// Debian ships C.utf8 as files, and en_US.UTF-8 is not generated here.
func TestInstalled(t *testing.T) {
	if !Installed("C.UTF-8") || !Installed("C.utf8") {
		t.Error("C.UTF-8 not found")
	}
	if Installed("xx_XX.UTF-8") || Installed("../C.utf8") {
		t.Error("nonexistent locale found")
	}
}

func FuzzText(f *testing.F) {
	f.Add("\x1b]0;title\x07\xc2\x9b\xe2\x82\xac\xff\r\n\t\\")
	f.Add(strings.Repeat("\x1b", 1100))
	f.Fuzz(func(t *testing.T, s string) {
		for _, cs := range []Charset{ASCII, UTF8} {
			out := Text(s, cs)
			if !utf8.ValidString(out) {
				t.Fatalf("Text(%q, %v) = %q: not UTF-8", s, cs, out)
			}
			for _, c := range []byte(out) {
				if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f || (cs == ASCII && c >= 0x80) {
					t.Fatalf("Text(%q, %v) = %q: byte %#x", s, cs, out, c)
				}
			}
			for _, r := range out {
				if r >= 0x80 && r < 0xa0 {
					t.Fatalf("Text(%q, %v) = %q: C1 control %U", s, cs, out, r)
				}
			}
		}
		out := LogLine(s)
		if len(out) > lineMax {
			t.Fatalf("LogLine(%q): %d bytes", s, len(out))
		}
		for _, c := range []byte(out) {
			if (c < 0x20 && !strings.ContainsRune("\a\b\t\n\r", rune(c))) || c >= 0x7f {
				t.Fatalf("LogLine(%q) = %q: byte %#x", s, out, c)
			}
		}
	})
}
