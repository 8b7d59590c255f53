package escape

import (
	"strings"
	"testing"
)

// The expected listings follow print_escape_help in OpenSSH 9.2's
// clientloop.c line by line (" %c%-3s - %s\r\n"), plus gssh's ~I line.

const helpDefault = "~?\r\n" +
	"Supported escape sequences:\r\n" +
	" ~.   - terminate connection (and any multiplexed sessions)\r\n" +
	" ~B   - send a BREAK to the remote system\r\n" +
	" ~R   - request rekey\r\n" +
	" ~V/v - decrease/increase verbosity (LogLevel)\r\n" +
	" ~^Z  - suspend ssh\r\n" +
	" ~#   - list forwarded connections\r\n" +
	" ~I   - show connection information\r\n" +
	" ~&   - background ssh (when waiting for connections to terminate)\r\n" +
	" ~?   - this message\r\n" +
	" ~~   - send the escape character by typing it twice\r\n" +
	"(Note that escapes are only recognized immediately after newline.)\r\n"

const helpCommandLine = "~?\r\n" +
	"Supported escape sequences:\r\n" +
	" ~.   - terminate connection (and any multiplexed sessions)\r\n" +
	" ~B   - send a BREAK to the remote system\r\n" +
	" ~C   - open a command line\r\n" +
	" ~R   - request rekey\r\n" +
	" ~V/v - decrease/increase verbosity (LogLevel)\r\n" +
	" ~^Z  - suspend ssh\r\n" +
	" ~#   - list forwarded connections\r\n" +
	" ~I   - show connection information\r\n" +
	" ~&   - background ssh (when waiting for connections to terminate)\r\n" +
	" ~?   - this message\r\n" +
	" ~~   - send the escape character by typing it twice\r\n" +
	"(Note that escapes are only recognized immediately after newline.)\r\n"

const helpMuxClient = "~?\r\n" +
	"Supported escape sequences:\r\n" +
	" ~.   - terminate session\r\n" +
	" ~B   - send a BREAK to the remote system\r\n" +
	" ~R   - request rekey\r\n" +
	" ~#   - list forwarded connections\r\n" +
	" ~I   - show connection information\r\n" +
	" ~?   - this message\r\n" +
	" ~~   - send the escape character by typing it twice\r\n" +
	"(Note that escapes are only recognized immediately after newline.)\r\n"

func TestHelpText(t *testing.T) {
	tests := []struct {
		name string
		esc  int
		opt  HelpOptions
		want string
	}{
		{"default", '~', HelpOptions{}, helpDefault},
		{"EnableEscapeCommandline", '~', HelpOptions{CommandLine: true}, helpCommandLine},
		{"mux client", '~', HelpOptions{MuxClient: true}, helpMuxClient},
		// A mux client never offers ~C, whatever the option says.
		{"mux client with command line", '~', HelpOptions{MuxClient: true, CommandLine: true}, helpMuxClient},
		{"percent", '%', HelpOptions{}, strings.ReplaceAll(helpDefault, "~", "%")},
		// Control characters and high bytes appear raw, as with %c.
		{"caret A", 0x01, HelpOptions{}, strings.ReplaceAll(helpDefault, "~", "\x01")},
		{"high byte", 0xff, HelpOptions{}, strings.ReplaceAll(helpDefault, "~", "\xff")},
		{"none", None, HelpOptions{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := HelpText(tc.esc, tc.opt)
			if got != tc.want {
				t.Errorf("HelpText(%#x, %+v) =\n%q\nwant\n%q", tc.esc, tc.opt, got, tc.want)
			}
		})
	}
}

// TestHelpNamesConfiguredChar guards against a hard-coded '~': with
// another escape character no '~' may appear at all.
func TestHelpNamesConfiguredChar(t *testing.T) {
	for _, opt := range []HelpOptions{{}, {CommandLine: true}, {MuxClient: true}} {
		got := HelpText('%', opt)
		if strings.Contains(got, "~") {
			t.Errorf("HelpText('%%', %+v) mentions '~':\n%s", opt, got)
		}
	}
}

// TestHelpListsEveryAction keeps the listing and the filter in step: each
// action the filter reports is offered in the full listing.
func TestHelpListsEveryAction(t *testing.T) {
	text := HelpText('~', HelpOptions{CommandLine: true})
	for a := Disconnect; a <= Info; a++ {
		seq := a.Sequence('~')
		if a == LogLevelDown || a == LogLevelUp {
			seq = "~V/v"
		}
		if !strings.Contains(text, "\r\n "+seq+" ") {
			t.Errorf("help does not list %v (%s)", a, seq)
		}
	}
}

// TestHelpLineEndings: the terminal is in raw mode, so every line must end
// in \r\n and no bare \n may appear.
func TestHelpLineEndings(t *testing.T) {
	text := HelpText('~', HelpOptions{CommandLine: true})
	if !strings.HasSuffix(text, "\r\n") {
		t.Fatal("help does not end in \\r\\n")
	}
	if n, crlf := strings.Count(text, "\n"), strings.Count(text, "\r\n"); n != crlf {
		t.Errorf("%d bare \\n in help", n-crlf)
	}
}
