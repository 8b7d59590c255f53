package registry

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func sample() Entry {
	t0 := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	return Entry{
		V: Version, ID: "0123abcd", PID: 4242, UID: 1000, ProcStart: 12345, BootID: "b",
		Role: RoleSession, Destination: "alice@example.org", HostName: "example.org",
		Command: "echo 'a \"b\"' $HOME\nnext", Forwardings: []string{"-L 8080:localhost:80"},
		Started: t0, Updated: t0.Add(time.Second),
		AliveInterval: time.Second, AliveCountMax: 3, LastReply: t0.Add(500 * time.Millisecond),
		TTY: &TTY{Path: "/dev/pts/3", Rdev: 34819, Termios: Termios{Lflag: 0x8a3b, Cc: []byte{3, 28, 127}}},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	e := sample()
	b, err := Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := Encode(got)
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip changed the entry:\n%s\n%s", b, b2)
	}
	if got.Command != e.Command || got.TTY.Rdev != e.TTY.Rdev || !got.LastReply.Equal(e.LastReply) {
		t.Fatalf("got %+v", got)
	}
}

func TestEncodeCutsLongFields(t *testing.T) {
	e := sample()
	e.Command = strings.Repeat("é", maxCommand) // 2 bytes each
	e.Forwardings = make([]string, 200)
	for i := range e.Forwardings {
		e.Forwardings[i] = strings.Repeat("f", 2*maxForwarding)
	}
	b, err := Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxEntrySize {
		t.Fatalf("%d bytes", len(b))
	}
	got, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Command) > maxCommand || !strings.HasPrefix(e.Command, got.Command) {
		t.Fatalf("command cut badly: %d bytes", len(got.Command))
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, _ := Encode(sample())
	for name, mutate := range map[string]func(string) string{
		"too long":      func(s string) string { return s + strings.Repeat(" ", MaxEntrySize) },
		"trailing":      func(s string) string { return s + "{}" },
		"version":       func(s string) string { return strings.Replace(s, `"v":1`, `"v":2`, 1) },
		"id":            func(s string) string { return strings.Replace(s, `"0123abcd"`, `"../../x"`, 1) },
		"pid":           func(s string) string { return strings.Replace(s, `"pid":4242`, `"pid":-1`, 1) },
		"role":          func(s string) string { return strings.Replace(s, `"session"`, `"root"`, 1) },
		"tty path":      func(s string) string { return strings.Replace(s, `/dev/pts/3`, `/etc/passwd`, 1) },
		"tty dotdot":    func(s string) string { return strings.Replace(s, `/dev/pts/3`, `/dev/../etc/x`, 1) },
		"nul":           func(s string) string { return strings.Replace(s, `example.org"`, `ex\u0000"`, 1) },
		"not json":      func(string) string { return "hello" },
		"negative wait": func(s string) string { return strings.Replace(s, `"missed":0`, `"missed":-3`, 1) },
	} {
		in := mutate(string(good))
		if in == string(good) {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted %q", name, in)
		}
	}
}

func TestState(t *testing.T) {
	t0 := time.Unix(1000, 0)
	iv := time.Second
	for _, tc := range []struct {
		name    string
		e       Entry
		now     time.Time
		stopped bool
		want    State
	}{
		{"fresh", Entry{AliveInterval: iv, LastReply: t0, Updated: t0}, t0.Add(time.Second), false, StateOK},
		{"probing", Entry{AliveInterval: iv, LastReply: t0, Updated: t0.Add(iv), Probing: true, Missed: 1}, t0.Add(iv), false, StateWaiting},
		{"two missed", Entry{AliveInterval: iv, LastReply: t0, Updated: t0.Add(2 * iv), Probing: true, Missed: 2}, t0.Add(2 * iv), false, StateHung},
		{"silence seen", Entry{AliveInterval: iv, LastReply: t0, Updated: t0.Add(2*iv + 1)}, t0.Add(3 * iv), false, StateHung},
		{"not updating", Entry{AliveInterval: iv, LastReply: t0, Updated: t0}, t0.Add(2*iv + 3*time.Second), false, StateHung},
		{"reader lags", Entry{AliveInterval: iv, LastReply: t0, Updated: t0.Add(iv)}, t0.Add(3 * iv), false, StateOK},
		{"stopped", Entry{AliveInterval: iv, LastReply: t0, Updated: t0}, t0, true, StateHung},
		{"no keepalive", Entry{LastReply: t0, Updated: t0}, t0.Add(time.Hour), false, StateOK},
		{"not connected", Entry{AliveInterval: iv, Updated: t0}, t0.Add(time.Minute), false, StateOK},
	} {
		if got := tc.e.State(tc.now, tc.stopped); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-1: "-", 0: "0s", 59 * time.Second: "59s", 61 * time.Second: "1m", 3 * time.Hour: "3h", 72 * time.Hour: "3d",
	} {
		if got := Age(d); got != want {
			t.Errorf("Age(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzDecode: whatever a file in the registry holds, Decode returns a
// valid entry or an error, and a valid entry survives Encode unchanged.
func FuzzDecode(f *testing.F) {
	good, _ := Encode(sample())
	f.Add(good)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"id":"00000000","pid":1,"role":"-W","started":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid entry: %v", err)
		}
		enc, err := Encode(e)
		if err != nil {
			t.Fatalf("Encode of a decoded entry: %v", err)
		}
		e2, err := Decode(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		enc2, _ := Encode(e2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("not stable:\n%s\n%s", enc, enc2)
		}
	})
}
