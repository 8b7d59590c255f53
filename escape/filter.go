package escape

import (
	"bytes"
	"fmt"
)

// None is the escape character value that turns escape processing off, as
// `-e none` and `EscapeChar none` do. It matches the -1 that the config
// package stores for "none".
const None = -1

// Action is a command the user typed as an escape sequence. The filter only
// recognises it; the caller decides whether it is available in the current
// context (for example ~& without forwardings, or ~C when
// EnableEscapeCommandline is off) and prints OpenSSH's messages.
type Action int

// The actions, one per escape sequence, named after what OpenSSH does.
const (
	// NoAction is returned by Feed when it consumed all of its input
	// without completing an escape sequence.
	NoAction Action = iota
	// Disconnect is ~. : close the connection (only the session when
	// running through a ControlMaster).
	Disconnect
	// SendBreak is ~B : send the "break" channel request (RFC 4335).
	SendBreak
	// CommandLine is ~C : open the ssh> command line. OpenSSH 9.2 prints
	// "commandline disabled\r\n" instead unless EnableEscapeCommandline
	// is set.
	CommandLine
	// Rekey is ~R : start a new key exchange.
	Rekey
	// LogLevelDown is ~V : decrease verbosity (fewer log messages).
	LogLevelDown
	// LogLevelUp is ~v : increase verbosity (more log messages).
	LogLevelUp
	// Suspend is ~^Z : restore the terminal and stop the process.
	Suspend
	// ListConnections is ~# : list forwarded connections.
	ListConnections
	// Background is ~& : go to the background while waiting for
	// forwarded connections to close. OpenSSH then sends a ^D (0x04) to
	// the session as a fake EOF and stops reading the terminal.
	Background
	// Help is ~? : print the list of escapes (see HelpText).
	Help
	// Info is ~I : print information about the connection. OpenSSH
	// added it in 10.3; 9.2 sends "~I" to the server as data.
	Info
)

// ctrlZ is the byte a terminal in raw mode delivers for Control-Z.
const ctrlZ = 'Z' - '@'

// actionFor maps the byte typed after the escape character to its action,
// or NoAction for bytes that are not commands. A switch keeps the table out
// of package-level variables.
func actionFor(c byte) Action {
	switch c {
	case '.':
		return Disconnect
	case 'B':
		return SendBreak
	case 'C':
		return CommandLine
	case 'R':
		return Rekey
	case 'V':
		return LogLevelDown
	case 'v':
		return LogLevelUp
	case ctrlZ:
		return Suspend
	case '#':
		return ListConnections
	case '&':
		return Background
	case '?':
		return Help
	case 'I':
		return Info
	}
	return NoAction
}

// key is the inverse of actionFor, spelled as OpenSSH spells it in its
// messages (Control-Z is written "^Z").
func (a Action) key() string {
	switch a {
	case Disconnect:
		return "."
	case SendBreak:
		return "B"
	case CommandLine:
		return "C"
	case Rekey:
		return "R"
	case LogLevelDown:
		return "V"
	case LogLevelUp:
		return "v"
	case Suspend:
		return "^Z"
	case ListConnections:
		return "#"
	case Background:
		return "&"
	case Help:
		return "?"
	case Info:
		return "I"
	}
	return ""
}

// String returns the constant's name, for logs and test failures.
func (a Action) String() string {
	names := [...]string{"NoAction", "Disconnect", "SendBreak", "CommandLine",
		"Rekey", "LogLevelDown", "LogLevelUp", "Suspend", "ListConnections",
		"Background", "Help", "Info"}
	if a >= 0 && int(a) < len(names) {
		return names[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Sequence returns the keys of a as OpenSSH echoes them on stderr, such as
// "~." or "~^Z", so the caller can print "~.\r\n", "~^Z [suspend ssh]\r\n",
// "~V [LogLevel INFO]\r\n" or "~& escape not available to multiplexed
// sessions\r\n". The escape character is written as the single raw byte
// OpenSSH's %c writes, which fmt's %c would not do for bytes 0x80 and up.
// It returns "" for NoAction or when escapeChar is None.
func (a Action) Sequence(escapeChar int) string {
	k := a.key()
	if k == "" || escapeChar < 0 || escapeChar > 0xff {
		return ""
	}
	return string([]byte{byte(escapeChar)}) + k
}

// Filter recognises escape sequences in the bytes the user types. It is a
// pure state machine: it does no I/O, holds no locks and calls nothing, and
// its results do not depend on how the input is split into Feed calls.
// A Filter is not safe for concurrent use; one goroutine reads the
// terminal and feeds it.
type Filter struct {
	esc int // the escape byte, or None
	// pending is set when an escape character has been swallowed and the
	// byte deciding what it means has not arrived yet.
	pending bool
	// atLineStart is OpenSSH's last_was_cr: the last byte sent was \r or
	// \n, or nothing has been sent yet. An escape sequence leaves it as it
	// was, so "~B~." right after a newline is two escapes.
	atLineStart bool
}

// New returns a filter for escapeChar, a byte value (0 to 255, usually
// '~') or None. Other values are a programming error and panic, since
// ParseEscapeChar never produces them.
func New(escapeChar int) *Filter {
	if escapeChar != None && (escapeChar < 0 || escapeChar > 0xff) {
		panic(fmt.Sprintf("escape: invalid escape character %d", escapeChar))
	}
	return &Filter{esc: escapeChar, atLineStart: true}
}

// Feed filters src, appending the bytes to send to the server to dst. It
// stops right after the first complete escape sequence and returns it, so
// that the caller can send out (everything typed before the sequence),
// act, and then call Feed again with src[n:]. Otherwise it consumes all of
// src and returns NoAction. Either way n > 0 when src is not empty.
//
// OpenSSH throws away the rest of the read after ~. and ~&; a caller that
// wants the same simply does not feed src[n:] after those actions.
//
// An escape character at the end of src is held until the next call
// decides what it is. If the session ends first, it is dropped, as
// OpenSSH drops it: it was never meant as data until a second byte said so.
//
// Feed does not allocate beyond growing dst, and copies runs of ordinary
// bytes with bytes.IndexByte and append.
func (f *Filter) Feed(dst, src []byte) (out []byte, n int, a Action) {
	if f.esc == None {
		return append(dst, src...), len(src), NoAction
	}
	esc := byte(f.esc)
	i := 0
	for i < len(src) {
		if f.pending {
			f.pending = false
			c := src[i]
			i++
			// Actions are checked before the escape character itself,
			// as OpenSSH's switch does: with -e . the sequence ".."
			// disconnects rather than sending a dot.
			if a := actionFor(c); a != NoAction {
				return dst, i, a
			}
			// The escape character typed twice sends one; any other
			// byte sends both. The sent byte, not the escape, decides
			// whether the next one starts a line, which is what lets
			// "~~." reach a nested session.
			if c != esc {
				dst = append(dst, esc)
			}
			dst = append(dst, c)
			f.atLineStart = isNewline(c)
			continue
		}
		if f.atLineStart && src[i] == esc {
			f.pending = true
			i++
			continue
		}
		// src[i] is sent as is. So is everything up to the next escape
		// character that directly follows a newline.
		k := nextEscape(src, i+1, esc)
		dst = append(dst, src[i:k]...)
		f.atLineStart = isNewline(src[k-1])
		i = k
	}
	return dst, i, NoAction
}

// nextEscape returns the index of the first escape character at or after
// from whose preceding byte is \r or \n, or len(src). from > 0.
//
// It jumps from escape character to escape character, which is fastest
// when they are rare. Text full of them (paths like ~/src) would stop it
// every few bytes, so once they turn out to be denser than one in
// denseEscape bytes it jumps from newline to newline instead.
func nextEscape(src []byte, from int, esc byte) int {
	start, misses := from, 0
	for from < len(src) {
		j := bytes.IndexByte(src[from:], esc)
		if j < 0 {
			return len(src)
		}
		k := from + j
		if isNewline(src[k-1]) {
			return k
		}
		from = k + 1
		if misses++; misses > 4+(from-start)/denseEscape {
			return nextEscapeByLine(src, from, esc)
		}
	}
	return len(src)
}

// denseEscape is the spacing below which escape characters are too
// frequent to search for (see nextEscape); lines are about this long.
const denseEscape = 64

// nextEscapeByLine is nextEscape looking at the byte after each \r and
// \n at or after from-1. The position of each newline character is kept
// until passed, so each is searched for once.
func nextEscapeByLine(src []byte, from int, esc byte) int {
	cr := indexFrom(src, from-1, '\r')
	lf := indexFrom(src, from-1, '\n')
	for {
		k := min(cr, lf)
		if k >= len(src)-1 {
			return len(src)
		}
		if src[k+1] == esc {
			return k + 1
		}
		if k == cr {
			cr = indexFrom(src, k+1, '\r')
		} else {
			lf = indexFrom(src, k+1, '\n')
		}
	}
}

// indexFrom is the index of the first c in src at or after from, or
// len(src).
func indexFrom(src []byte, from int, c byte) int {
	if i := bytes.IndexByte(src[from:], c); i >= 0 {
		return from + i
	}
	return len(src)
}

func isNewline(c byte) bool { return c == '\r' || c == '\n' }
