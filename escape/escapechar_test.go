package escape

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/testenv"
)

// escapeCharCases were recorded from OpenSSH 9.2's `ssh -G -e VALUE`:
// dumped is the escapechar line it prints (vis(3)-encoded), or "" when it
// rejects the value with "Bad escape character 'VALUE'." and exit 255.
var escapeCharCases = []struct {
	in     string
	want   int
	dumped string
}{
	{"~", '~', "escapechar ~"},
	{"%", '%', "escapechar %"},
	{"^", '^', "escapechar ^"}, // a caret alone is a plain character
	{"none", None, "escapechar none"},
	{"^A", 0x01, `escapechar \^A`},
	{"^a", 0x01, `escapechar \^A`}, // only the low five bits count
	{"^@", 0x00, `escapechar \^@`},
	{"^[", 0x1b, `escapechar \^[`},
	{"^~", 0x1e, `escapechar \^^`},
	{"^\x7f", 0x1f, `escapechar \^_`},
	{"\x80", 0x80, `escapechar \M^@`}, // any single byte, even a lone non-UTF-8 one
	{"^?", 0, ""},                     // '?' is below '@': not DEL, unlike stty
	{"^ ", 0, ""},
	{"^\x80", 0, ""},
	{"^AB", 0, ""},
	{"None", 0, ""}, // "none" is case-sensitive
	{"NONE", 0, ""},
	{"", 0, ""},
	{"ab", 0, ""},
	{"~~", 0, ""},
	{"é", 0, ""}, // two bytes in UTF-8
}

func TestParseEscapeChar(t *testing.T) {
	for _, tc := range escapeCharCases {
		got, err := ParseEscapeChar(tc.in)
		if tc.dumped == "" {
			var bad *BadCharError
			if !errors.As(err, &bad) || bad.Value != tc.in {
				t.Errorf("ParseEscapeChar(%q) = %d, %v; want *BadCharError", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseEscapeChar(%q) = %#x, %v; want %#x", tc.in, got, err, tc.want)
		}
	}
}

// TestParseEveryCaretForm checks all 256 second bytes of "^X" against the
// rule in ssh.c: accepted exactly from '@' to DEL, as the low five bits.
func TestParseEveryCaretForm(t *testing.T) {
	for c := range 256 {
		got, err := ParseEscapeChar("^" + string([]byte{byte(c)}))
		if c >= 0x40 && c <= 0x7f {
			if err != nil || got != c&31 {
				t.Errorf("^%#x: got %#x, %v; want %#x", c, got, err, c&31)
			}
		} else if err == nil {
			t.Errorf("^%#x: got %#x, want an error", c, got)
		}
	}
}

// TestParseEverySingleByte: every one-byte string is its own escape char.
func TestParseEverySingleByte(t *testing.T) {
	for c := range 256 {
		got, err := ParseEscapeChar(string([]byte{byte(c)}))
		if err != nil || got != c {
			t.Errorf("%#x: got %#x, %v", c, got, err)
		}
	}
}

func TestBadCharErrorText(t *testing.T) {
	tests := map[string]string{
		"ab":   "Bad escape character 'ab'.",
		"^?":   "Bad escape character '^?'.",
		"":     "Bad escape character ''.",
		"None": "Bad escape character 'None'.",
	}
	for in, want := range tests {
		_, err := ParseEscapeChar(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseEscapeChar(%q) error = %v, want %q", in, err, want)
		}
	}
}

// TestParseEscapeCharMatchesOpenSSH checks the table itself against the
// real ssh on this machine, when there is one: ssh -G only resolves the
// configuration and prints it, without connecting.
func TestParseEscapeCharMatchesOpenSSH(t *testing.T) {
	ssh := testenv.LookPath(t, "ssh")
	for _, tc := range escapeCharCases {
		cmd := exec.Command(ssh, "-G", "-F", "/dev/null", "-e", tc.in, "gssh-escape-test.invalid")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		if tc.dumped == "" {
			want := "Bad escape character '" + tc.in + "'.\n"
			if runErr == nil || stderr.String() != want {
				t.Errorf("ssh -e %q: err %v, stderr %q; want exit 255 and %q", tc.in, runErr, stderr.String(), want)
			}
			continue
		}
		if runErr != nil {
			t.Errorf("ssh -G -e %q failed: %v: %s", tc.in, runErr, stderr.String())
			continue
		}
		if !strings.Contains(stdout.String(), "\n"+tc.dumped+"\n") {
			t.Errorf("ssh -G -e %q does not print %q", tc.in, tc.dumped)
		}
	}
}
