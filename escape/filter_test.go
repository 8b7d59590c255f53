package escape

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// event is an action together with the length of the output sent before
// it, over the whole stream: the caller sends out[:offset], then acts.
type event struct {
	action Action
	offset int
}

// feedAll drives f over chunks the way a terminal pump does: send what Feed
// returns, act on the action, feed the rest. It keeps going after
// Disconnect so that the tests see everything the filter would produce.
// It also checks the contract of every single Feed call.
func feedAll(t testing.TB, f *Filter, chunks ...[]byte) ([]byte, []event) {
	t.Helper()
	var out []byte
	var evs []event
	for _, chunk := range chunks {
		src := chunk
		for {
			// A non-empty dst checks that Feed appends and keeps it.
			prefix := []byte("prefix")
			got, n, a := f.Feed(append([]byte(nil), prefix...), src)
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("Feed(%q) clobbered dst: %q", src, got)
			}
			if n < 0 || n > len(src) {
				t.Fatalf("Feed(%q) consumed %d bytes", src, n)
			}
			if len(src) > 0 && n == 0 {
				t.Fatalf("Feed(%q) made no progress", src)
			}
			if a == NoAction && n != len(src) {
				t.Fatalf("Feed(%q) returned NoAction after %d bytes", src, n)
			}
			out = append(out, got[len(prefix):]...)
			if a != NoAction {
				evs = append(evs, event{a, len(out)})
			}
			src = src[n:]
			if len(src) == 0 {
				break
			}
		}
	}
	return out, evs
}

// render writes output and actions as one string, each action as «Name»
// at its place in the data, so table cases read like what the user typed.
func render(out []byte, evs []event) string {
	var b strings.Builder
	prev := 0
	for _, e := range evs {
		b.Write(out[prev:e.offset])
		b.WriteString("«" + e.action.String() + "»")
		prev = e.offset
	}
	b.Write(out[prev:])
	return b.String()
}

// modelActions is the table of escape commands, written out again rather
// than shared with the package so that the model below is independent.
var modelActions = map[byte]Action{
	'.': Disconnect, 'B': SendBreak, 'C': CommandLine, 'R': Rekey,
	'V': LogLevelDown, 'v': LogLevelUp, 0x1a: Suspend, '#': ListConnections,
	'&': Background, '?': Help, 'I': Info,
}

// model transcribes the loop of OpenSSH's process_escapes one byte at a
// time, with none of Feed's fast paths, as the reference Feed must match.
func model(esc int, in []byte) ([]byte, []event) {
	if esc == None {
		return append([]byte{}, in...), nil
	}
	var out []byte
	var evs []event
	pending, lastWasCR := false, true
	for _, ch := range in {
		if pending {
			pending = false
			if a, ok := modelActions[ch]; ok {
				evs = append(evs, event{a, len(out)})
				continue
			}
			if ch != byte(esc) {
				out = append(out, byte(esc))
			}
		} else if lastWasCR && ch == byte(esc) {
			pending = true
			continue
		}
		lastWasCR = ch == '\r' || ch == '\n'
		out = append(out, ch)
	}
	return out, evs
}

// partitions calls fn with every way of cutting in into non-empty chunks
// when in is short, and otherwise with whole, byte-by-byte, and every cut
// into two and three pieces.
func partitions(in []byte, fn func(name string, chunks [][]byte)) {
	fn("whole", [][]byte{in})
	if len(in) < 2 {
		return
	}
	if len(in) <= 12 {
		for mask := 1; mask < 1<<(len(in)-1); mask++ {
			var chunks [][]byte
			start := 0
			for i := 1; i < len(in); i++ {
				if mask&(1<<(i-1)) != 0 {
					chunks = append(chunks, in[start:i])
					start = i
				}
			}
			chunks = append(chunks, in[start:])
			fn(fmt.Sprintf("cuts=%b", mask), chunks)
		}
		return
	}
	var bytewise [][]byte
	for i := range in {
		bytewise = append(bytewise, in[i:i+1])
	}
	fn("bytewise", bytewise)
	for i := 1; i < len(in); i++ {
		fn(fmt.Sprintf("cut=%d", i), [][]byte{in[:i], in[i:]})
		for j := i + 1; j < len(in); j++ {
			fn(fmt.Sprintf("cut=%d,%d", i, j), [][]byte{in[:i], in[i:j], in[j:]})
		}
	}
}

var filterCases = []struct {
	name string
	esc  int
	in   string
	want string // output with «Action» where each action occurred
}{
	{"empty", '~', "", ""},
	{"plain text", '~', "ls -l\r", "ls -l\r"},

	// Every command at the very start of the session.
	{"disconnect", '~', "~.", "«Disconnect»"},
	{"break", '~', "~B", "«SendBreak»"},
	{"command line", '~', "~C", "«CommandLine»"},
	{"rekey", '~', "~R", "«Rekey»"},
	{"V lowers verbosity", '~', "~V", "«LogLevelDown»"},
	{"v raises verbosity", '~', "~v", "«LogLevelUp»"},
	{"suspend is control-Z", '~', "~\x1a", "«Suspend»"},
	{"list connections", '~', "~#", "«ListConnections»"},
	{"background", '~', "~&", "«Background»"},
	{"help", '~', "~?", "«Help»"},
	{"info", '~', "~I", "«Info»"},

	// Where escapes are recognised.
	{"after CR", '~', "ls\r~.", "ls\r«Disconnect»"},
	{"after LF", '~', "ls\n~.", "ls\n«Disconnect»"},
	{"after CRLF", '~', "ls\r\n~.", "ls\r\n«Disconnect»"},
	{"after empty lines", '~', "\r\r\n\n~B", "\r\r\n\n«SendBreak»"},
	{"mid-line is data", '~', "a~.", "a~."},
	{"mid-line after newline text", '~', "\rab~.", "\rab~."},
	{"data before action is sent first", '~', "echo hi\r~.", "echo hi\r«Disconnect»"},
	{"data after action", '~', "x\r~.rest", "x\r«Disconnect»rest"},
	{"only the first tilde of a line", '~', "~a~.", "~a~."},

	// The escape character itself.
	{"double sends one", '~', "~~", "~"},
	{"nested disconnect", '~', "~~.", "~."},
	{"nested after CR", '~', "ls\r~~.", "ls\r~."},
	{"nested two levels", '~', "~~~.", "~~."},
	{"double then newline", '~', "~~\r~.", "~\r«Disconnect»"},
	{"triple tilde", '~', "~~~", "~~"},
	{"four tildes", '~', "~~~~", "~~~"},

	// Unknown commands send both bytes.
	{"unknown letter", '~', "~x", "~x"},
	{"unknown then text", '~', "~ab", "~ab"},
	{"Z is not control-Z", '~', "~Z", "~Z"},
	{"lower b is not break", '~', "~b", "~b"},
	{"tilde newline", '~', "~\r", "~\r"},
	{"tilde newline keeps line start", '~', "~\r~.", "~\r«Disconnect»"},
	{"tilde LF keeps line start", '~', "~\n~.", "~\n«Disconnect»"},
	{"tilde space", '~', "~ ~.", "~ ~."},
	{"tilde NUL", '~', "~\x00", "~\x00"},
	{"tilde high byte", '~', "~\xff", "~\xff"},
	{"tilde UTF-8", '~', "~é", "~é"},

	// An escape leaves the line-start state alone.
	{"break then disconnect", '~', "~B~.", "«SendBreak»«Disconnect»"},
	{"two helps", '~', "\r~?~?", "\r«Help»«Help»"},
	{"action then data then tilde", '~', "~Ba~.", "«SendBreak»a~."},
	{"action then unknown", '~', "~R~x", "«Rekey»~x"},
	{"suspend then disconnect", '~', "~\x1a~.", "«Suspend»«Disconnect»"},

	// A pending escape character at the end is held, then dropped.
	{"lone tilde", '~', "~", ""},
	{"text then lone tilde", '~', "ls\r~", "ls\r"},

	// Binary data and other bytes.
	{"UTF-8 line", '~', "héllo\n~.", "héllo\n«Disconnect»"},
	{"control bytes", '~', "\x03\x04\r~#", "\x03\x04\r«ListConnections»"},

	// -e none.
	{"none disconnect is data", None, "~.", "~."},
	{"none everything is data", None, "\r~.\n~B~~", "\r~.\n~B~~"},

	// Other escape characters.
	{"caret A disconnect", 0x01, "\x01.", "«Disconnect»"},
	{"caret A leaves tilde alone", 0x01, "~.", "~."},
	{"caret A doubled", 0x01, "\x01\x01.", "\x01."},
	{"caret A after CR", 0x01, "x\r\x01B", "x\r«SendBreak»"},
	{"high byte escape", 0xff, "\xff.", "«Disconnect»"},
	{"high byte doubled", 0xff, "\xff\xff", "\xff"},
	{"NUL escape", 0x00, "\x00?", "«Help»"},
	{"NUL mid-line", 0x00, "a\x00?", "a\x00?"},
	{"percent", '%', "%.", "«Disconnect»"},

	// Escape characters that are themselves commands or newlines: the
	// command wins, as in OpenSSH's switch statement.
	{"dot escape, dot dot", '.', "..", "«Disconnect»"},
	{"dot escape, dot x", '.', ".x", ".x"},
	{"B escape, BB breaks", 'B', "BB", "«SendBreak»"},
	{"LF escape at start", '\n', "\n.", "«Disconnect»"},
	{"LF escape mid-line", '\n', "a\n\n.", "a\n«Disconnect»"},
	{"LF escape doubled is a newline", '\n', "\n\n\n.", "\n«Disconnect»"},
	{"CR escape", '\r', "ls\r\r#", "ls\r«ListConnections»"},
}

// TestFeed runs every case whole and cut into chunks in every possible way
// (or every two- and three-way cut for long inputs), checks that the
// results are identical, and that they agree with the byte-at-a-time
// model of OpenSSH's loop.
func TestFeed(t *testing.T) {
	for _, tc := range filterCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			if got := render(model(tc.esc, in)); got != tc.want {
				t.Fatalf("model(%q) = %q, want %q (the table is wrong)", tc.in, got, tc.want)
			}
			partitions(in, func(name string, chunks [][]byte) {
				got := render(feedAll(t, New(tc.esc), chunks...))
				if got != tc.want {
					t.Errorf("%s %q: got %q, want %q", name, chunks, got, tc.want)
				}
			})
		})
	}
}

// TestFeedLongInputs covers the two- and three-way cuts of inputs longer
// than the exhaustive limit, where escapes sit near both ends.
func TestFeedLongInputs(t *testing.T) {
	ins := []string{
		"echo hello world\r~B~?ls -l\r~~.~.\n~x~~\r~&",
		"~~~~~~~~~~~~~~~~\r~.\r~.",
		"a~b~c~\r~\n~\r\n~V~v~I~#~C~R\r~\x1a",
	}
	for _, in := range ins {
		want := render(model('~', []byte(in)))
		partitions([]byte(in), func(name string, chunks [][]byte) {
			if got := render(feedAll(t, New('~'), chunks...)); got != want {
				t.Errorf("%q %s: got %q, want %q", in, name, got, want)
			}
		})
	}
}

// TestFeedStopsAtAction pins the calling convention: Feed returns as soon
// as a sequence is complete, with n just past it, so the caller can act
// (and, after ~., stop) before any later byte is looked at.
func TestFeedStopsAtAction(t *testing.T) {
	f := New('~')
	src := []byte("date\r~.whoami\r")
	out, n, a := f.Feed(nil, src)
	if string(out) != "date\r" || n != 7 || a != Disconnect {
		t.Fatalf("Feed = %q, %d, %v; want \"date\\r\", 7, Disconnect", out, n, a)
	}
	out, n, a = f.Feed(nil, src[n:])
	if string(out) != "whoami\r" || n != 7 || a != NoAction {
		t.Fatalf("second Feed = %q, %d, %v; want \"whoami\\r\", 7, NoAction", out, n, a)
	}
}

// TestFeedHeldEscape checks that an escape character ending a chunk
// produces nothing until the next chunk decides what it was.
func TestFeedHeldEscape(t *testing.T) {
	f := New('~')
	out, n, a := f.Feed(nil, []byte("ls\r~"))
	if string(out) != "ls\r" || n != 4 || a != NoAction {
		t.Fatalf("Feed = %q, %d, %v; want \"ls\\r\", 4, NoAction", out, n, a)
	}
	out, n, a = f.Feed(nil, []byte("x"))
	if string(out) != "~x" || n != 1 || a != NoAction {
		t.Fatalf("Feed = %q, %d, %v; want \"~x\", 1, NoAction", out, n, a)
	}
}

// TestFeedEmpty checks that an empty chunk changes nothing, including a
// held escape character.
func TestFeedEmpty(t *testing.T) {
	f := New('~')
	f.Feed(nil, []byte("~"))
	for range 3 {
		out, n, a := f.Feed([]byte("d"), nil)
		if string(out) != "d" || n != 0 || a != NoAction {
			t.Fatalf("Feed(empty) = %q, %d, %v", out, n, a)
		}
	}
	if _, _, a := f.Feed(nil, []byte(".")); a != Disconnect {
		t.Fatalf("held escape lost across empty chunks: got %v", a)
	}
}

// TestNested chains filters as nested sessions do (ssh inside ssh inside
// ssh): each level's output is the next level's input. Typing k escape
// characters and '.' after a newline must end exactly level k and reach
// no other level as a command.
func TestNested(t *testing.T) {
	const levels = 4
	for k := 1; k <= levels; k++ {
		// One more '~' per level is enough: each level turns the
		// leading "~~" into "~" and passes the rest through, because a
		// '~' that follows a sent '~' is not at the start of a line.
		typed := []byte("\r" + strings.Repeat("~", k) + ".")
		data := typed
		for level := 1; level <= levels; level++ {
			out, evs := feedAll(t, New('~'), data)
			wantDisconnect := level == k
			if got := len(evs) == 1 && evs[0].action == Disconnect; got != wantDisconnect || len(evs) > 1 {
				t.Fatalf("typed %q: level %d got actions %v", typed, level, evs)
			}
			if wantDisconnect {
				break
			}
			data = out
		}
	}
}

// TestNoEscapeCharUnchanged is the property that input without the escape
// character passes through untouched, whatever else it holds, including
// every other byte value and any number of newlines.
func TestNoEscapeCharUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, esc := range []int{'~', 0x01, 0x00, 0xff, '\n'} {
		for range 2000 {
			in := make([]byte, rng.IntN(200))
			for i := range in {
				for {
					// Bias towards newlines so line starts are frequent.
					if rng.IntN(4) == 0 {
						in[i] = "\r\n"[rng.IntN(2)]
					} else {
						in[i] = byte(rng.IntN(256))
					}
					if int(in[i]) != esc {
						break
					}
				}
			}
			var chunks [][]byte
			for rest := in; len(rest) > 0; {
				n := 1 + rng.IntN(len(rest))
				chunks = append(chunks, rest[:n])
				rest = rest[n:]
			}
			out, evs := feedAll(t, New(esc), chunks...)
			if !bytes.Equal(out, in) || len(evs) != 0 {
				t.Fatalf("esc %#x: %q came out as %q with %v", esc, in, out, evs)
			}
		}
	}
}

// TestAgainstModel compares Feed with the model on random inputs rich in
// escape characters, newlines and commands, fed in random chunks.
func TestAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("~~~~\r\n.BCRVvx#&?I\x1a~a")
	for range 5000 {
		in := make([]byte, rng.IntN(64))
		for i := range in {
			in[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var chunks [][]byte
		for rest := in; len(rest) > 0; {
			n := 1 + rng.IntN(len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		want := render(model('~', in))
		if got := render(feedAll(t, New('~'), chunks...)); got != want {
			t.Fatalf("%q in chunks %q: got %q, want %q", in, chunks, got, want)
		}
	}
}

func TestNewPanicsOnInvalidChar(t *testing.T) {
	for _, c := range []int{-2, 256, 1 << 20} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%d) did not panic", c)
				}
			}()
			New(c)
		}()
	}
}

func TestNewAcceptsEveryByte(t *testing.T) {
	for c := range 256 {
		f := New(c)
		if _, _, a := f.Feed(nil, []byte{byte(c), '.'}); a != Disconnect {
			t.Errorf("escape %#x then '.' gave %v, want Disconnect", c, a)
		}
	}
}

func TestActionSequence(t *testing.T) {
	tests := []struct {
		a    Action
		esc  int
		want string
	}{
		{Disconnect, '~', "~."},
		{SendBreak, '~', "~B"},
		{CommandLine, '~', "~C"},
		{Rekey, '~', "~R"},
		{LogLevelDown, '~', "~V"},
		{LogLevelUp, '~', "~v"},
		{Suspend, '~', "~^Z"},
		{ListConnections, '~', "~#"},
		{Background, '~', "~&"},
		{Help, '~', "~?"},
		{Info, '~', "~I"},
		{Disconnect, 0x01, "\x01."},
		// A raw byte, not the UTF-8 encoding of U+00FF.
		{Disconnect, 0xff, "\xff."},
		{NoAction, '~', ""},
		{Disconnect, None, ""},
		{Action(99), '~', ""},
	}
	for _, tc := range tests {
		if got := tc.a.Sequence(tc.esc); got != tc.want {
			t.Errorf("%v.Sequence(%#x) = %q, want %q", tc.a, tc.esc, got, tc.want)
		}
	}
}

// TestSequenceRoundTrip checks that the key Sequence names is the key the
// filter recognises, so messages never name the wrong keys.
func TestSequenceRoundTrip(t *testing.T) {
	for a := Disconnect; a <= Info; a++ {
		seq := a.Sequence('~')
		typed := seq
		if a == Suspend {
			typed = "~\x1a"
		}
		_, n, got := New('~').Feed(nil, []byte(typed))
		if got != a || n != len(typed) {
			t.Errorf("typing %q (from %v.Sequence) gave %v after %d bytes", typed, a, got, n)
		}
	}
}

func TestActionString(t *testing.T) {
	tests := map[Action]string{
		NoAction:        "NoAction",
		Disconnect:      "Disconnect",
		SendBreak:       "SendBreak",
		CommandLine:     "CommandLine",
		Rekey:           "Rekey",
		LogLevelDown:    "LogLevelDown",
		LogLevelUp:      "LogLevelUp",
		Suspend:         "Suspend",
		ListConnections: "ListConnections",
		Background:      "Background",
		Help:            "Help",
		Info:            "Info",
		Action(-1):      "Action(-1)",
		Action(12):      "Action(12)",
	}
	for a, want := range tests {
		if got := a.String(); got != want {
			t.Errorf("Action(%d).String() = %q, want %q", int(a), got, want)
		}
	}
}
