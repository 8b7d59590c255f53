package config

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// a2port parses a port number (1-65535 is valid for callers) or a TCP
// service name from /etc/services, like misc.c a2port. It returns -1 when
// neither works and 0 for "0".
func a2port(s string) int {
	if v, err := strconv.ParseUint(s, 10, 16); err == nil && isDigits(s) {
		return int(v)
	}
	if p, ok := lookupService(s); ok {
		return p
	}
	return -1
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// lookupService finds a TCP service's port in /etc/services, which is
// what getservbyname consults on Linux.
func lookupService(name string) (int, bool) {
	f, err := os.Open("/etc/services")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		port, proto, ok := strings.Cut(fields[1], "/")
		if !ok || proto != "tcp" {
			continue
		}
		for _, n := range append([]string{fields[0]}, fields[2:]...) {
			if n == name {
				v, err := strconv.Atoi(port)
				return v, err == nil
			}
		}
	}
	return 0, false
}

// Tunnel ids (misc.h SSH_TUNID_*).
const (
	tunAny = 0x7fffffff
	tunMax = tunAny - 2
)

// a2tun parses a TunnelDevice "local[:remote]" value (misc.c a2tun).
func a2tun(s string) (local, remote int, ok bool) {
	one := func(s string) (int, bool) {
		if strings.EqualFold(s, "any") {
			return tunAny, true
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 || v > tunMax {
			return 0, false
		}
		return int(v), true
	}
	l, r, hasColon := strings.Cut(s, ":")
	if !hasColon {
		local, ok = one(s)
		return local, tunAny, ok
	}
	remote, ok = one(r)
	if !ok {
		return 0, 0, false
	}
	local, ok = one(l)
	return local, remote, ok
}

// ipqosNames is misc.c's ipqos table, in its order: -G prints the first
// name with a value.
var ipqosNames = []struct {
	name string
	val  int
}{
	{"none", math.MaxInt32},
	{"af11", 0x28}, {"af12", 0x30}, {"af13", 0x38},
	{"af21", 0x48}, {"af22", 0x50}, {"af23", 0x58},
	{"af31", 0x68}, {"af32", 0x70}, {"af33", 0x78},
	{"af41", 0x88}, {"af42", 0x90}, {"af43", 0x98},
	{"cs0", 0x00}, {"cs1", 0x20}, {"cs2", 0x40}, {"cs3", 0x60},
	{"cs4", 0x80}, {"cs5", 0xa0}, {"cs6", 0xc0}, {"cs7", 0xe0},
	{"ef", 0xb8}, {"le", 0x04}, // IPTOS_DSCP_LE from glibc's <netinet/ip.h>
	{"lowdelay", 0x10}, {"throughput", 0x08}, {"reliability", 0x04},
}

func parseIPQoS(s string) int {
	for _, q := range ipqosNames {
		if strings.EqualFold(q.name, s) {
			return q.val
		}
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if s == "" || err != nil || v < 0 || v > 255 {
		return -1
	}
	return int(v)
}

func iptos2str(v int) string {
	for _, q := range ipqosNames {
		if q.val == v {
			return q.name
		}
	}
	return fmt.Sprintf("0x%02x", v)
}

// scanScaled parses a size such as "1G" or "512K" with binary multipliers
// (OpenBSD scan_scaled, as RekeyLimit uses it).
func scanScaled(s string) (int64, bool) {
	num := s
	mult := int64(1)
	if n := len(s); n > 0 {
		units := "BKMGTPE"
		if i := strings.IndexByte(units, byte(strings.ToUpper(s[n-1:])[0])); i >= 0 {
			num = s[:n-1]
			for ; i > 0; i-- {
				mult *= 1024
			}
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.ContainsAny(num, "eExXpPnN") {
		return 0, false
	}
	v := f * float64(mult)
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// named is an entry of OpenSSH's name tables (log levels, facilities,
// digests), matched case-insensitively and printed as written here.
type named struct {
	name string
	val  int
}

var (
	logLevels = []named{{"SILENT", 0}, {"QUIET", 0}, {"FATAL", 1}, {"ERROR", 2}, {"INFO", 3}, {"VERBOSE", 4},
		{"DEBUG", 5}, {"DEBUG1", 5}, {"DEBUG2", 6}, {"DEBUG3", 7}}
	facilities = []named{{"DAEMON", 0}, {"USER", 1}, {"AUTH", 2}, {"AUTHPRIV", 3},
		{"LOCAL0", 4}, {"LOCAL1", 5}, {"LOCAL2", 6}, {"LOCAL3", 7},
		{"LOCAL4", 8}, {"LOCAL5", 9}, {"LOCAL6", 10}, {"LOCAL7", 11}}
	digests = []named{{"MD5", 0}, {"SHA1", 1}, {"SHA256", 2}, {"SHA384", 3}, {"SHA512", 4}}
)

// LogLevel is ssh_config's LogLevel, in OpenSSH's order from QUIET to
// DEBUG3: a message is printed when its level is at or below the
// configured one.
type LogLevel int

// LogLevel values; DEBUG is DEBUG1 and SILENT is QUIET, as in log.c.
const (
	LogQuiet LogLevel = iota
	LogFatal
	LogError
	LogInfo
	LogVerbose
	LogDebug1
	LogDebug2
	LogDebug3
)

// String returns the level's name as ssh -G prints it.
func (l LogLevel) String() string { return nameOf(logLevels, int(l)) }

// RequestTTY is ssh_config's RequestTTY (-t, -tt, -T): whether a
// session asks for a pseudo-terminal.
type RequestTTY int

// RequestTTY values, numbered as the state table of keywords.go.
const (
	RequestTTYNo    RequestTTY = iota // never
	RequestTTYYes                     // when stdin is a terminal
	RequestTTYForce                   // always, even without a terminal
	RequestTTYAuto                    // for a login session on a terminal
)

// String returns the value as ssh -G prints it.
func (r RequestTTY) String() string {
	switch r {
	case RequestTTYNo:
		return "no"
	case RequestTTYYes:
		return "yes"
	case RequestTTYForce:
		return "force"
	}
	return "auto"
}

const (
	logError     = int(LogError)
	logInfo      = int(LogInfo)
	facilityUser = 1
	digestSHA256 = 2
)

func lookupName(table []named, s string) int {
	for _, n := range table {
		if strings.EqualFold(n.name, s) {
			return n.val
		}
	}
	return -1
}

func nameOf(table []named, v int) string {
	for _, n := range table {
		if n.val == v {
			return n.name
		}
	}
	return "UNKNOWN"
}

// ControlMaster is ssh_config's ControlMaster (-M, -MM): whether this
// ssh listens on ControlPath for other sessions, looks for a master
// there first, and asks before sharing.
type ControlMaster int

// ControlMaster values, numbered as the state table of keywords.go.
const (
	ControlMasterNo      ControlMaster = iota // use a master, never become one
	ControlMasterYes                          // always become the master (-M)
	ControlMasterAsk                          // become the master, confirm each client (-MM)
	ControlMasterAuto                         // use a master if there is one, else become it
	ControlMasterAutoAsk                      // auto, confirming each client
)

// String returns the value as ssh -G prints it ("false" for no, "true"
// for yes, as readconf.c's table names them first).
func (c ControlMaster) String() string { return fmtState("controlmaster", int(c)) }

// hpdelim splits "host:port" or "[host]:port" (misc.c hpdelim).
func hpdelim(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' && rest[0] != '/' {
			return "", "", false
		}
		return host, rest[1:], true
	}
	i := strings.IndexAny(s, ":/")
	if i < 0 {
		return s, "", true
	}
	return s[:i], s[i+1:], true
}

// fwdField is one colon-separated field of a forwarding spec.
type fwdField struct {
	arg    string
	isPath bool
}

// parseFwdFields splits a forwarding spec into fields like misc.c
// parse_fwd_field: "[...]" is literal, a backslash escapes, a '/' marks a
// socket path.
func parseFwdFields(s string) ([]fwdField, bool) {
	var out []fwdField
	for s != "" && len(out) < 4 {
		if s[0] == '[' {
			end := strings.IndexByte(s, ']')
			if end < 0 || (end+1 < len(s) && s[end+1] != ':') {
				return nil, false
			}
			f := fwdField{arg: s[1:end], isPath: strings.Contains(s[1:end], "/")}
			out = append(out, f)
			s = s[end+1:]
			if s != "" {
				s = s[1:]
				if s == "" {
					// A trailing ':' leaves an empty final field in C
					// only when followed by more text.
					break
				}
			}
			continue
		}
		var b strings.Builder
		f := fwdField{}
		i := 0
		for ; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				if i == len(s) {
					return nil, false
				}
				b.WriteByte(s[i])
				continue
			}
			if s[i] == '/' {
				f.isPath = true
			}
			if s[i] == ':' {
				break
			}
			b.WriteByte(s[i])
		}
		f.arg = b.String()
		out = append(out, f)
		if i < len(s) {
			s = s[i+1:]
			if s == "" {
				out = append(out, fwdField{})
			}
		} else {
			s = ""
		}
	}
	if s != "" {
		return nil, false
	}
	return out, true
}

// parseForward parses a forwarding spec (misc.c parse_forward), after
// ${VAR} expansion so a variable holding a path counts as a path.
func parseForward(spec string, dynamic, remote bool, env func(string) (string, bool)) (Forward, bool) {
	f := Forward{Kind: ForwardLocal}
	switch {
	case remote:
		f.Kind = ForwardRemote
	case dynamic:
		f.Kind = ForwardDynamic
	}
	s, err := expand(spec, nil, env)
	if err != nil {
		return f, false
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	fields, ok := parseFwdFields(s)
	if !ok {
		return f, false
	}
	l, c := &f.Listen, &f.Connect
	n := len(fields)
	switch n {
	case 1:
		if fields[0].isPath {
			l.Path = fields[0].arg
		} else {
			l.Port = a2port(fields[0].arg)
		}
		c.Host = socksHost
	case 2:
		switch {
		case fields[0].isPath && fields[1].isPath:
			l.Path = fields[0].arg
			c.Path = fields[1].arg
		case fields[1].isPath:
			l.Port = a2port(fields[0].arg)
			c.Path = fields[1].arg
		default:
			l.Host, l.Port = fields[0].arg, a2port(fields[1].arg)
			c.Host = socksHost
		}
	case 3:
		switch {
		case fields[0].isPath:
			l.Path = fields[0].arg
			c.Host, c.Port = fields[1].arg, a2port(fields[2].arg)
		case fields[2].isPath:
			l.Host, l.Port = fields[0].arg, a2port(fields[1].arg)
			c.Path = fields[2].arg
		default:
			l.Port = a2port(fields[0].arg)
			c.Host, c.Port = fields[1].arg, a2port(fields[2].arg)
		}
	case 4:
		l.Host, l.Port = fields[0].arg, a2port(fields[1].arg)
		c.Host, c.Port = fields[2].arg, a2port(fields[3].arg)
	default:
		return f, false
	}
	if dynamic {
		if n != 1 && n != 2 {
			return f, false
		}
	} else {
		if n != 3 && n != 4 && c.Path == "" && l.Path == "" {
			return f, false
		}
		if c.Port <= 0 && c.Path == "" {
			return f, false
		}
	}
	if l.Path == "" && (l.Port < 0 || (!remote && l.Port == 0)) {
		return f, false
	}
	if len(c.Host) >= 1025 || len(l.Host) >= 1025 || len(c.Path) >= 108 || len(l.Path) >= 108 {
		return f, false
	}
	return f, true
}

// parseJump parses a ProxyJump value (readconf.c parse_jump). Only the
// last hop is split into user, host and port; earlier hops are checked
// and kept verbatim. The first ProxyJump or ProxyCommand wins. On the
// command line every hop's names are checked too, last hop first, and a
// bad one gives a *NameError (ssh checks no names from files).
func (p *parser) parseJump(s string, active, cmdline bool) (bool, error) {
	o := p.o
	active = active && !o.has("proxycommand") && o.jump == nil
	spec := s
	if i := strings.IndexByte(spec, '#'); i >= 0 {
		spec = spec[:i]
	}
	spec = strings.TrimRight(spec, whitespace)
	if cmdline {
		spec = StrictJumpSpec(spec)
	}
	if strings.EqualFold(s, "none") {
		if active {
			o.jump = &jump{host: "none"}
		}
		return true, nil
	}
	hops := strings.Split(spec, ",")
	var last jump
	for i := len(hops) - 1; i >= 0; i-- {
		u, h, port, ok := parseUserHostPort(hops[i])
		if !ok {
			return false, nil
		}
		if cmdline {
			if err := CheckJumpHop(u, h); err != nil {
				return false, err
			}
		}
		if i == len(hops)-1 {
			last = jump{user: u, host: h, port: port}
		}
	}
	if active {
		if i := strings.LastIndexByte(s, ','); i > 0 {
			last.extra = s[:i]
		}
		o.jump = &last
		o.setOnce("proxycommand", "none")
	}
	return true, nil
}

// parseUserHostPort parses "[user@]host[:port]" or an ssh:// URI
// (misc.c parse_user_host_port / parse_ssh_uri).
func parseUserHostPort(s string) (user, host string, port int, ok bool) {
	port = -1
	uri := strings.HasPrefix(s, "ssh://")
	if uri {
		s = strings.TrimSuffix(s[len("ssh://"):], "/")
		if strings.Contains(s, "/") {
			return "", "", 0, false
		}
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		user, s = s[:i], s[i+1:]
	}
	if uri {
		// parse_ssh_uri drops ";params" and percent-decodes the user.
		user, _, _ = strings.Cut(user, ";")
		var good bool
		if user, good = URLDecode(user); !good {
			return "", "", 0, false
		}
	}
	h, ps, good := hpdelim(s)
	if !good || h == "" {
		return "", "", 0, false
	}
	if ps != "" {
		if port = a2port(ps); port <= 0 {
			return "", "", 0, false
		}
	}
	return user, h, port, true
}

// URLDecode is misc.c's urldecode, as ssh applies it to the user of an
// ssh:// URI: %XX escapes, and no NUL. ok is false for a bad escape.
func URLDecode(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil || n == 0 {
			return "", false
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), true
}
