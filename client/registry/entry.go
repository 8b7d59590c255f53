package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is the entry format written by this gssh; Decode accepts only it.
const Version = 1

// MaxEntrySize bounds an entry file: Decode refuses anything longer, and
// Encode shortens the command and drops forwardings to stay below it.
const MaxEntrySize = 16 << 10

// Field bounds. Longer values are cut by Encode and refused by Decode.
const (
	maxDestination = 1024
	maxCommand     = 2048
	maxForwardings = 64
	maxForwarding  = 512
	maxPath        = 1024
	maxControlCC   = 64
	maxPID         = 1<<31 - 1
)

// Role is what a gssh process is doing, as --sessions shows it.
type Role string

// The roles.
const (
	RoleSession   Role = "session"   // a shell or remote command on its own connection
	RoleMaster    Role = "master"    // a ControlMaster: its own session (if any) and its passengers'
	RolePassenger Role = "passenger" // a session run through a master's control socket
	RoleTunnel    Role = "tunnel"    // -N: forwardings only
	RoleStdio     Role = "-W"        // -W host:port
)

func (r Role) valid() bool {
	switch r {
	case RoleSession, RoleMaster, RolePassenger, RoleTunnel, RoleStdio:
		return true
	}
	return false
}

// State is the health verdict of one entry.
type State string

// The states.
const (
	StateOK      State = "ok"      // the server answered recently
	StateWaiting State = "waiting" // a keepalive probe is outstanding
	// StateHung: two probes in a row unanswered (no reply for more than
	// 2×ServerAliveInterval), or the gssh process itself is stopped or
	// no longer updating its entry.
	StateHung State = "hung"
)

// Termios is a terminal's modes in a form every Unix's struct termios
// fits in; termios_*.go convert.
type Termios struct {
	Iflag  uint64 `json:"iflag"`
	Oflag  uint64 `json:"oflag"`
	Cflag  uint64 `json:"cflag"`
	Lflag  uint64 `json:"lflag"`
	Cc     []byte `json:"cc"`
	Ispeed uint64 `json:"ispeed"`
	Ospeed uint64 `json:"ospeed"`
}

// TTY is the terminal a gssh process runs on and its modes before gssh
// made it raw, so that --end can put them back after killing a gssh that
// did not restore them itself.
type TTY struct {
	// Path is the terminal's device, under /dev.
	Path string `json:"path"`
	// Rdev is the device number; --end restores only a device that still
	// has it.
	Rdev    uint64  `json:"rdev"`
	Termios Termios `json:"termios"`
}

// Entry is one live gssh process.
type Entry struct {
	V  int    `json:"v"`
	ID string `json:"id"` // 8 lowercase hex digits; the file is ID.json
	// PID, ProcStart and BootID identify the process: a pid alone may
	// have been reused. ProcStart is the OS's start stamp (on Linux
	// /proc/PID/stat field 22, clock ticks since boot; 0 where unknown).
	PID       int    `json:"pid"`
	UID       int    `json:"uid"`
	ProcStart uint64 `json:"proc_start"`
	BootID    string `json:"boot_id,omitempty"`

	Role        Role     `json:"role"`
	Destination string   `json:"destination"` // [user@]host as given, with the port when not 22
	HostName    string   `json:"hostname"`    // the resolved HostName, as in "Connection to H closed."
	Command     string   `json:"command,omitempty"`
	ControlPath string   `json:"control_path,omitempty"`
	Forwardings []string `json:"forwardings,omitempty"`

	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`

	// Keepalive: AliveInterval 0 means no ServerAlive watchdog (and no
	// verdict from it). LastReply is when the server last sent anything,
	// zero before the connection is up.
	AliveInterval time.Duration `json:"alive_interval"`
	AliveCountMax int           `json:"alive_count_max"`
	LastReply     time.Time     `json:"last_reply"`
	Probing       bool          `json:"probing"`
	Missed        int           `json:"missed"`

	TTY *TTY `json:"tty,omitempty"`
}

// Encode returns e as one JSON object and a newline, with overlong fields
// cut so that it fits in MaxEntrySize.
func Encode(e Entry) ([]byte, error) {
	e.V = Version
	e.Destination = cut(e.Destination, maxDestination)
	e.HostName = cut(e.HostName, maxDestination)
	e.Command = cut(e.Command, maxCommand)
	if len(e.Forwardings) > maxForwardings {
		e.Forwardings = e.Forwardings[:maxForwardings]
	}
	fw := make([]string, len(e.Forwardings))
	for i, f := range e.Forwardings {
		fw[i] = cut(f, maxForwarding)
	}
	e.Forwardings = fw
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("registry: encode: %w", err)
	}
	for len(b)+1 > MaxEntrySize && len(e.Forwardings) > 0 {
		e.Forwardings = e.Forwardings[:len(e.Forwardings)-1]
		if b, err = json.Marshal(e); err != nil {
			return nil, fmt.Errorf("registry: encode: %w", err)
		}
	}
	if len(b)+1 > MaxEntrySize {
		return nil, fmt.Errorf("registry: encode: entry of %d bytes is too long", len(b))
	}
	return append(b, '\n'), nil
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence,
// and replaces invalid UTF-8, which JSON could not carry unchanged.
func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// ErrTooLong is returned by Decode for input above MaxEntrySize.
var ErrTooLong = errors.New("registry: entry too long")

// Decode reads one entry from r, reading at most MaxEntrySize+1 bytes,
// and validates it. Unknown fields are ignored (a later gssh may add
// some); anything else malformed is an error.
func Decode(r io.Reader) (Entry, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxEntrySize+1))
	if err != nil {
		return Entry{}, fmt.Errorf("registry: read entry: %w", err)
	}
	if len(b) > MaxEntrySize {
		return Entry{}, ErrTooLong
	}
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("registry: decode entry: %w", err)
	}
	if dec.More() {
		return Entry{}, errors.New("registry: decode entry: trailing data")
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Validate checks every field's range and syntax.
func (e *Entry) Validate() error {
	bad := func(what string, v any) error { return fmt.Errorf("registry: bad entry: %s %q", what, fmt.Sprint(v)) }
	switch {
	case e.V != Version:
		return bad("version", e.V)
	case !ValidID(e.ID):
		return bad("id", e.ID)
	case e.PID <= 0 || e.PID > maxPID:
		return bad("pid", e.PID)
	case e.UID < 0 || e.UID > 1<<32-1:
		return bad("uid", e.UID)
	case len(e.BootID) > 64 || !utf8.ValidString(e.BootID):
		return bad("boot id", e.BootID)
	case !e.Role.valid():
		return bad("role", e.Role)
	case !text(e.Destination, maxDestination):
		return bad("destination", e.Destination)
	case !text(e.HostName, maxDestination):
		return bad("hostname", e.HostName)
	case !text(e.Command, maxCommand):
		return bad("command", e.Command)
	case !text(e.ControlPath, maxPath):
		return bad("control path", e.ControlPath)
	case len(e.Forwardings) > maxForwardings:
		return bad("forwardings", len(e.Forwardings))
	case e.AliveInterval < 0 || e.AliveCountMax < 0 || e.Missed < 0:
		return bad("keepalive", fmt.Sprint(e.AliveInterval, e.AliveCountMax, e.Missed))
	case e.Started.IsZero() || e.Updated.Before(e.Started):
		return bad("times", fmt.Sprint(e.Started, e.Updated))
	}
	for _, f := range e.Forwardings {
		if !text(f, maxForwarding) {
			return bad("forwarding", f)
		}
	}
	if t := e.TTY; t != nil {
		if !ttyPath(t.Path) {
			return bad("tty path", t.Path)
		}
		if len(t.Termios.Cc) > maxControlCC {
			return bad("tty control characters", len(t.Termios.Cc))
		}
	}
	return nil
}

// ValidID reports whether s is an entry ID: 8 lowercase hex digits.
func ValidID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// text reports whether s is valid UTF-8 of at most n bytes without NUL.
// Other control characters are allowed in a command and are rendered
// safely by whoever prints them.
func text(s string, n int) bool {
	return len(s) <= n && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// ttyPath accepts a clean absolute path under /dev.
func ttyPath(p string) bool {
	if len(p) > maxPath || !strings.HasPrefix(p, "/dev/") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/..") || strings.Contains(p, "//") || strings.ContainsRune(p, 0) {
		return false
	}
	return utf8.ValidString(p)
}

// State is the entry's verdict at now. stopped tells that the gssh
// process itself is stopped (state T), which --sessions reads from the
// process table.
//
// With a watchdog (AliveInterval > 0) the session is hung once two checks
// in a row went unanswered (Missed ≥ 2), or the silence the process last
// recorded exceeds 2×interval, or the process has not refreshed its entry
// for 2×interval + 2 s (it writes at least once per interval); waiting
// while a probe is outstanding; ok otherwise. Without a watchdog only a
// stopped process is hung.
func (e *Entry) State(now time.Time, stopped bool) State {
	if stopped {
		return StateHung
	}
	iv := e.AliveInterval
	if iv <= 0 || e.LastReply.IsZero() {
		return StateOK
	}
	if e.Missed >= 2 || e.Updated.Sub(e.LastReply) > 2*iv || now.Sub(e.Updated) > 2*iv+2*time.Second {
		return StateHung
	}
	if e.Probing {
		return StateWaiting
	}
	return StateOK
}

// Age renders a duration in the largest whole unit, as ps and uptime do:
// "5s", "3m", "2h", "4d"; "-" for a negative or unknown one.
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
