package config

import (
	"strconv"
	"strings"
)

// ForwardKind is which of -L, -R and -D a forwarding is.
type ForwardKind int

// Forwarding kinds.
const (
	ForwardLocal   ForwardKind = iota + 1 // -L, LocalForward
	ForwardRemote                         // -R, RemoteForward (dynamic or not)
	ForwardDynamic                        // -D, DynamicForward
)

// socksHost is the destination host readconf.c records for a forwarding
// without one: -D, and -R with a listen address only.
const socksHost = "socks"

// Endpoint is one side of a forwarding: a host and port, or a Unix
// socket path.
type Endpoint struct {
	// Host is the address; "" when none was given (OpenSSH's NULL: the
	// default bind address on the listen side). "*" on the listen side
	// means all addresses.
	Host string
	Port int
	// Path is a Unix socket path; Host and Port are then unused.
	Path string
}

// String is the endpoint as ssh -G prints it: the path, "PORT" when no
// host was given, or "[HOST]:PORT".
func (e Endpoint) String() string {
	switch {
	case e.Path != "":
		return e.Path
	case e.Host == "":
		return strconv.Itoa(e.Port)
	}
	return "[" + e.Host + "]:" + strconv.Itoa(e.Port)
}

// Forward is one forwarding, as misc.c parse_forward leaves it: where it
// listens and where it connects. A forwarding whose destination SOCKS
// names per connection connects to host "socks" port 0, as parse_forward
// records -D and a -R with a listen address only.
type Forward struct {
	Kind    ForwardKind
	Listen  Endpoint
	Connect Endpoint
}

// Dynamic reports whether f is a SOCKS proxy: its destination is host
// "socks" port 0.
func (f Forward) Dynamic() bool { return f.Connect == Endpoint{Host: socksHost} }

// Canonical is f as Config holds it, and as the command line and ~C set
// it up. Like ssh, gssh takes a destination host "socks" for a SOCKS
// proxy whatever its port (readconf.c lists such a LocalForward under
// DynamicForward), and a -D with a destination path for a local
// forwarding to that path.
func (f Forward) Canonical() Forward {
	if f.Connect.Path == "" && f.Connect.Host == socksHost {
		f.Connect = Endpoint{Host: socksHost}
	}
	if f.Kind != ForwardRemote {
		f.Kind = ForwardLocal
		if f.Dynamic() {
			f.Kind = ForwardDynamic
		}
	}
	return f
}

// ParseForward parses a forwarding as typed after -L, -R or -D (misc.c
// parse_forward, without ${VAR} expansion, as ssh's ~C command line
// parses it). As ssh.c does for -R, a remote spec is tried as a
// forwarding with a destination first and as a dynamic one after. A
// dynamic spec has one or two fields ("[bind:]port" or a path), which is
// also the form of a forwarding to cancel. ok is false for a spec ssh
// rejects.
func ParseForward(kind ForwardKind, spec string) (f Forward, ok bool) {
	switch kind {
	case ForwardRemote:
		if f, ok := parseForward(spec, false, true, nil); ok {
			return f, true
		}
		return parseForward(spec, true, true, nil)
	case ForwardDynamic:
		return parseForward(spec, true, false, nil)
	}
	return parseForward(spec, false, false, nil)
}

// String is f in the notation ParseForward reads (-L's argument): the
// two words Words returns, joined with ':' as readconf.c joins an
// ssh_config line's. ParseForward(f.Kind, f.String()) gives f back,
// a Unix socket path with a blank or a colon in it included.
func (f Forward) String() string {
	listen, connect := f.Words()
	if connect == "" {
		return listen
	}
	return listen + ":" + connect
}

// Words are the arguments of the LocalForward, RemoteForward or
// DynamicForward line that sets f: the listen side and the destination,
// which is "" for a dynamic forwarding. They are what ssh -G prints,
// except that a path's ':' and '\' are escaped and a destination without
// a host is written "[]:PORT", so that parse_forward reads them back.
func (f Forward) Words() (listen, connect string) {
	listen = f.Listen.word(true)
	if f.Dynamic() {
		return listen, ""
	}
	return listen, f.Connect.word(false)
}

// word writes e as parse_forward fields: a path escaped, a host in
// brackets (taken literally there) unless it holds a ']', a port alone
// for a listen side without a host.
func (e Endpoint) word(listen bool) string {
	switch {
	case e.Path != "":
		return escapeField(e.Path)
	case e.Host == "" && listen:
		return strconv.Itoa(e.Port)
	case strings.Contains(e.Host, "]"):
		return escapeField(e.Host) + ":" + strconv.Itoa(e.Port)
	}
	return "[" + e.Host + "]:" + strconv.Itoa(e.Port)
}

// escapeField backslash-escapes what parse_fwd_field would take as
// syntax: ':' and '\', and a '[' at the start.
func escapeField(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ':' || c == '\\' || (c == '[' && i == 0) {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
