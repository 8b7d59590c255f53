package escape

import "strings"

// HelpOptions selects the lines of the ~? listing, as OpenSSH's
// print_escape_help does. The zero value is a plain (non-multiplexed)
// session with OpenSSH 9.2's defaults.
type HelpOptions struct {
	// MuxClient is set when the session runs through a ControlMaster:
	// ~. then ends only the session, and the escapes a mux client cannot
	// use (~C, ~V/v, ~^Z, ~&) are not listed.
	MuxClient bool
	// CommandLine is EnableEscapeCommandline. OpenSSH 9.2 lists ~C only
	// when it is on (the default is off).
	CommandLine bool
}

// helpLine is one entry of the listing. The listing is built by a
// function rather than kept in a package-level table, so that nothing
// shared can be modified.
type helpLine struct {
	key, text string
	show      bool
}

// HelpText returns what OpenSSH prints for ~?, starting with the echo of
// the sequence itself ("~?\r\n"). Lines end in \r\n because the terminal is
// in raw mode. Every line names escapeChar, written as a raw byte as
// OpenSSH does, so with -e ^A the lines hold byte 0x01. The ~I line is a
// gssh addition (OpenSSH has ~I only from 10.3); its wording is gssh's.
// HelpText returns "" for None, since no escape can then ask for it.
func HelpText(escapeChar int, opt HelpOptions) string {
	if escapeChar < 0 || escapeChar > 0xff {
		return ""
	}
	e := string([]byte{byte(escapeChar)})
	plain := !opt.MuxClient
	lines := []helpLine{
		{".", "terminate session", opt.MuxClient},
		{".", "terminate connection (and any multiplexed sessions)", plain},
		{"B", "send a BREAK to the remote system", true},
		{"C", "open a command line", plain && opt.CommandLine},
		{"R", "request rekey", true},
		{"V/v", "decrease/increase verbosity (LogLevel)", plain},
		{"^Z", "suspend ssh", plain},
		{"#", "list forwarded connections", true},
		{"I", "show connection information", true},
		{"&", "background ssh (when waiting for connections to terminate)", plain},
		{"?", "this message", true},
	}

	var b strings.Builder
	b.WriteString(e + "?\r\nSupported escape sequences:\r\n")
	for _, l := range lines {
		if !l.show {
			continue
		}
		// OpenSSH's " %c%-3s - %s": the key is padded to three columns.
		b.WriteString(" " + e + l.key + strings.Repeat(" ", max(0, 3-len(l.key))) + " - " + l.text + "\r\n")
	}
	b.WriteString(" " + e + e + "   - send the escape character by typing it twice\r\n")
	b.WriteString("(Note that escapes are only recognized immediately after newline.)\r\n")
	return b.String()
}
