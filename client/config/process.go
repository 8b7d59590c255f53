package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// cmdlineFile is the file name OpenSSH uses for -o options.
const cmdlineFile = "command-line"

// parser holds the state of one resolution pass over the configuration.
type parser struct {
	env *environment
	o   *options
	// host is matched by Host lines: the host as typed in the first pass,
	// the final hostname in the second.
	host         string
	originalHost string
	finalPass    bool
	wantFinal    bool
	// quietFiles: the command line's LogLevel is below ERROR, so ssh
	// (which reads the files under that level) prints no warning of a
	// file. Warnings of -o lines come before ssh sets up logging and
	// always print.
	quietFiles bool
	// cmdLevel is the command line's LogLevel, under which ssh reads
	// the files and logs what it does (Config.Debug).
	cmdLevel LogLevel
}

// debugf records a line ssh logs at level while reading the files.
func (p *parser) debugf(level LogLevel, format string, args ...any) {
	if level <= p.cmdLevel {
		p.o.debug = append(p.o.debug, DebugLine{Level: level, Text: fmt.Sprintf(format, args...)})
	}
}

// lineFlags describe where a line comes from (readconf.c SSHCONF_*).
type lineFlags struct {
	cmdline    bool
	userConf   bool
	neverMatch bool
	depth      int
}

// processLine applies one configuration line (readconf.c
// process_config_line_depth). A *lineError is a bad line OpenSSH counts
// and reports; any other error is fatal.
func (p *parser) processLine(line, file string, lineNum int, active *bool, fl lineFlags) error {
	keyword, rest, more := splitKeyword(line)
	if keyword == "" {
		return nil
	}
	if !more {
		return lineErr("%s line %d: no argument after keyword \"%s\"", file, lineNum, keyword)
	}
	k, known := keywords[keyword]
	if !known {
		if ig := p.o.str("ignoreunknown", ""); ig != "" && matchPatternList(keyword, ig, true) == 1 {
			return nil
		}
		return &lineError{msg: fmt.Sprintf("Bad configuration option: %s", keyword), colon: true}
	}
	args, ok := argvSplit(rest)
	if !ok {
		return lineErr("%s line %d: invalid quotes", file, lineNum)
	}
	loc := fmt.Sprintf("%s line %d", file, lineNum)
	c := &lineCtx{p: p, k: k, keyword: keyword, rest: rest, args: args, loc: loc, active: *active, fl: fl}
	if err := c.apply(active, file, lineNum); err != nil {
		return err
	}
	if len(c.args) > 0 {
		return lineErr("%s: keyword %s extra arguments at end of line", loc, keyword)
	}
	return nil
}

// lineCtx is one line being applied: the remaining arguments are consumed
// by next, and whatever is left over is an error.
type lineCtx struct {
	p       *parser
	k       keyword
	keyword string
	rest    string
	args    []string
	loc     string
	active  bool
	fl      lineFlags
}

func (c *lineCtx) next() (string, bool) {
	if len(c.args) == 0 {
		return "", false
	}
	a := c.args[0]
	c.args = c.args[1:]
	return a, true
}

func (c *lineCtx) errf(format string, args ...any) error {
	return lineErr("%s: "+format, append([]any{c.loc}, args...)...)
}

func (c *lineCtx) set(v any) {
	if c.active {
		c.p.o.setOnce(c.k.name, v)
	}
}

// apply interprets the line according to its keyword's kind.
func (c *lineCtx) apply(active *bool, file string, lineNum int) error {
	o := c.p.o
	switch c.k.kind {
	case kIgnore, kDeprecated:
		c.args = nil
	case kUnsupported:
		if c.fl.cmdline || !c.p.quietFiles {
			o.warnings = append(o.warnings, fmt.Sprintf("%s: Unsupported option \"%s\"", c.loc, c.keyword))
		}
		c.args = nil
	case kFlag, kMulti:
		states := c.k.states
		if c.k.kind == kFlag {
			states = statesFlag
		}
		arg, ok := c.next()
		if !ok {
			return c.errf("missing argument.")
		}
		if arg == "" {
			// readconf.c reports both problems for an empty word.
			le := lineErr("%s: unsupported option \"\".", c.loc)
			le.detail = c.loc + ": missing argument."
			return le
		}
		v, ok := lookupState(states, arg)
		if !ok {
			return c.errf("unsupported option \"%s\".", arg)
		}
		c.set(v)
	case kInt:
		arg, _ := c.next()
		v, msg := atoiErr(arg)
		if msg != "" {
			return c.errf("integer value %s.", msg)
		}
		c.set(v)
	case kTime:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("missing time value.")
		}
		if arg == "none" {
			// OpenSSH stores -1, i.e. "unset", so later lines may still
			// set a value.
			return nil
		}
		v := convtime(arg)
		if v < 0 {
			return c.errf("invalid time value.")
		}
		c.set(v)
	case kString:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		c.set(arg)
	case kCommand:
		c.set(strings.TrimLeft(c.rest, whitespace+"="))
		c.args = nil
	case kProxyCommand:
		// A real ProxyJump wins over ProxyCommand; "ProxyJump none"
		// does not block it (checked against ssh -G).
		if o.jump == nil || o.jump.host == "none" {
			c.set(strings.TrimLeft(c.rest, whitespace+"="))
		}
		c.args = nil
	case kProxyJump:
		if _, ok := c.next(); !ok {
			return c.errf("Missing argument.")
		}
		spec := strings.TrimLeft(c.rest, whitespace+"=")
		ok, err := c.p.parseJump(spec, c.active, c.fl.cmdline)
		if !ok {
			le := lineErr("%s: Invalid ProxyJump \"%s\"", c.loc, spec)
			le.cause = err
			return le
		}
		c.args = nil
	case kPort:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		v := a2port(arg)
		if v <= 0 {
			return c.errf("Bad port '%s'.", arg)
		}
		c.set(v)
	case kAlgos:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		check := arg
		if arg[0] == '+' || arg[0] == '^' {
			check = arg[1:]
		}
		if arg[0] != '-' && !c.k.algos.valid(check) {
			le := lineErr("%s: %s '%s'.", c.loc, c.k.algos.what, arg)
			if c.k.name == "kexalgorithms" {
				// kex_names_valid logs the offending name first.
				for _, n := range strings.Split(check, ",") {
					if !contains(c.k.algos.all, n) {
						le.detail = fmt.Sprintf("Unsupported KEX algorithm \"%s\"", n)
						break
					}
				}
			}
			return le
		}
		c.set(arg)
	case kGSSKex:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		for _, n := range strings.Split(arg, ",") {
			if !contains(gssKexAll, n) {
				le := lineErr("%s: Bad GSSAPI KexAlgorithms '%s'.", c.loc, arg)
				le.detail = fmt.Sprintf("Unsupported KEX algorithm \"%s\"", n)
				return le
			}
		}
		c.set(arg)
	case kIdentityFile, kCertificateFile:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		if !c.active {
			return nil
		}
		list, what := &o.identityFiles, "identity"
		if c.k.kind == kCertificateFile {
			list, what = &o.certificateFiles, "certificate"
		}
		if len(*list) >= 100 {
			return c.errf("Too many %s files specified (max 100).", what)
		}
		if !contains(*list, arg) {
			*list = append(*list, arg)
		}
	case kForward:
		return c.forward()
	case kSendEnv:
		for {
			arg, ok := c.next()
			if !ok {
				break
			}
			if arg == "" || strings.Contains(arg, "=") {
				return c.errf("Invalid environment name.")
			}
			if !c.active {
				continue
			}
			if arg[0] == '-' {
				// Removes only what earlier (higher-precedence) lines
				// added, as readconf.c rm_env does.
				kept := o.sendEnv[:0]
				for _, e := range o.sendEnv {
					if !MatchPattern(e, arg[1:]) {
						kept = append(kept, e)
					}
				}
				o.sendEnv = kept
				continue
			}
			o.sendEnv = append(o.sendEnv, arg)
		}
	case kSetEnv:
		first := len(o.setEnv) == 0
		for {
			arg, ok := c.next()
			if !ok {
				break
			}
			if !strings.Contains(arg, "=") {
				return c.errf("Invalid SetEnv.")
			}
			if !c.active || !first {
				continue
			}
			name, _, _ := strings.Cut(arg, "=")
			dup := false
			for _, e := range o.setEnv {
				if n, _, _ := strings.Cut(e, "="); n == name {
					dup = true
				}
			}
			if !dup {
				o.setEnv = append(o.setEnv, arg)
			}
		}
	case kFirstList:
		return c.firstList()
	case kPermitRemoteOpen:
		return c.permitRemoteOpen()
	case kPermittedCNAMEs:
		var vals []string
		for {
			arg, ok := c.next()
			if !ok {
				break
			}
			if strings.EqualFold(arg, "none") {
				if len(vals) > 0 || len(c.args) > 0 {
					return c.errf("keyword %s \"%s\" argument must appear alone.", c.keyword, arg)
				}
			} else if arg == "*" {
				arg = "*:*" // readconf.c: "*" alone is both lists
			} else if _, dst, ok := strings.Cut(arg, ":"); !ok || dst == "" {
				return c.errf("Invalid permitted CNAME \"%s\"", arg)
			} else {
				arg = strings.ToLower(arg)
			}
			vals = append(vals, arg)
		}
		if _, set := o.lists[c.k.name]; c.active && !set {
			o.lists[c.k.name] = vals
		}
	case kEscapeChar:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		var v int
		switch {
		case arg == "none":
			v = -1
		case len(arg) == 1:
			v = int(arg[0])
		case len(arg) == 2 && arg[0] == '^' && arg[1] >= 64 && arg[1] < 128:
			v = int(arg[1]) & 31
		default:
			return c.errf("Bad escape character.")
		}
		c.set(v)
	case kControlPersist:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing ControlPersist argument.")
		}
		v := []int{0, 0}
		switch arg {
		case "no", "false":
		case "yes", "true":
			v[0] = 1
		default:
			t := convtime(arg)
			if t < 0 {
				return c.errf("Bad ControlPersist argument.")
			}
			v = []int{1, t}
		}
		c.set(v)
	case kAddKeysToAgent:
		arg, _ := c.next()
		arg2, has2 := c.next()
		if arg == "" {
			return c.errf("missing argument.")
		}
		val, known := lookupState(statesAddKeys, arg)
		life := 0
		switch {
		case known && val == 3 && has2:
			if life = convtime(arg2); life < 0 {
				return c.errf("invalid time value.")
			}
		case !known && !has2:
			if life = convtime(arg); life < 0 {
				return lineErr("%s: unsupported option", c.loc)
			}
			val = 1
		case !known || has2:
			return lineErr("%s: unsupported option", c.loc)
		}
		c.set([]int{val, life})
	case kIPQoS:
		arg, _ := c.next()
		v1 := parseIPQoS(arg)
		if v1 < 0 {
			return lineErr("%s: Bad IPQoS value: %s", c.loc, arg)
		}
		v2 := v1
		if arg2, ok := c.next(); ok {
			if v2 = parseIPQoS(arg2); v2 < 0 {
				return lineErr("%s: Bad IPQoS value: %s", c.loc, arg2)
			}
		}
		c.set([]int{v1, v2})
	case kRekeyLimit:
		return c.rekeyLimit()
	case kStreamLocalBindMask:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing StreamLocalBindMask argument.")
		}
		v, err := strconv.ParseInt(octalPrefix(arg), 8, 64)
		if err != nil || v < 0 || v > 0o777 {
			return c.errf("Bad mask.")
		}
		o.bindMask = int(v)
	case kTunnelDevice:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		l, r, ok := a2tun(arg)
		if !ok {
			return c.errf("Bad tun device.")
		}
		c.set([]int{l, r})
	case kSyslogFacility:
		arg, ok := c.next()
		v := lookupName(facilities, arg)
		if v < 0 {
			return c.errf("unsupported log facility '%s'", orNone(arg, ok))
		}
		c.set(v)
	case kLogLevel:
		arg, ok := c.next()
		v := lookupName(logLevels, arg)
		if v < 0 {
			return c.errf("unsupported log level '%s'", orNone(arg, ok))
		}
		c.set(v)
	case kFingerprintHash:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		v := lookupName(digests, arg)
		if v < 0 {
			return c.errf("Invalid hash algorithm \"%s\".", arg)
		}
		c.set(v)
	case kForwardAgent:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("missing argument.")
		}
		if v, ok := lookupState(statesFlag, arg); ok {
			c.set(v)
			return nil
		}
		c.set(1)
		if err := c.agentPath(arg); err != nil {
			return err
		}
		if c.active && o.forwardAgentPath == "" {
			o.forwardAgentPath = arg
		}
	case kIdentityAgent:
		arg, ok := c.next()
		if !ok || arg == "" {
			return c.errf("Missing argument.")
		}
		if err := c.agentPath(arg); err != nil {
			return err
		}
		c.set(arg)
	case kHost:
		if c.fl.cmdline {
			return &lineError{msg: "Host directive not supported as a command-line option", bare: true}
		}
		*active = false
		for _, arg := range c.args {
			if arg == "" {
				return c.errf("keyword %s empty argument", c.keyword)
			}
		}
		if !c.fl.neverMatch {
			*active = hostLineActive(c.p.host, c.args)
			c.p.logHostLine(c.args, file, lineNum)
		}
		c.args = nil
	case kMatch:
		if c.fl.cmdline {
			return &lineError{msg: "Host directive not supported as a command-line option", bare: true}
		}
		v, rest, err := c.p.matchLine(c.rest, file, lineNum)
		if errors.Is(err, errMatch) {
			return &lineError{msg: fmt.Sprintf("%s: Bad Match condition", c.loc), detail: rest}
		}
		if err != nil {
			return err
		}
		*active = v && !c.fl.neverMatch
		if strings.TrimSpace(rest) == "" {
			c.args = nil
		}
	case kInclude:
		if c.fl.cmdline {
			return &lineError{msg: "Include directive not supported as a command-line option", bare: true}
		}
		return c.p.include(c, active)
	default:
		return fmt.Errorf("%s: Unimplemented opcode for %s", c.loc, c.keyword)
	}
	return nil
}

// agentPath validates an agent socket path like readconf.c
// parse_agent_path: ${VAR} references must resolve and a legacy $VAR must
// be a valid name.
func (c *lineCtx) agentPath(arg string) error {
	if _, err := expand(arg, nil, c.p.env.lookupEnv); err != nil {
		le := lineErr("%s: Invalid environment expansion %s.", c.loc, arg)
		le.detail = "vdollar_percent_expand: " + err.Error()
		return le
	}
	if len(arg) > 1 && arg[0] == '$' && arg[1] != '{' && !validEnvName(arg[1:]) {
		return c.errf("Invalid environment name %s.", arg)
	}
	return nil
}

// firstList handles keywords whose first line wins and whose words may be
// "none" alone: known-hosts files, CanonicalDomains and LogVerbose.
func (c *lineCtx) firstList() error {
	o := c.p.o
	_, set := o.lists[c.k.name]
	var vals []string
	for i := 0; ; i++ {
		arg, ok := c.next()
		if !ok {
			break
		}
		if arg == "" {
			return c.errf("keyword %s empty argument", c.keyword)
		}
		if strings.EqualFold(arg, "none") && (i > 0 || len(c.args) > 0) {
			return c.errf("keyword %s \"none\" argument must appear alone.", c.keyword)
		}
		if c.k.name == "canonicaldomains" {
			d, msg := validDomain(arg)
			if msg != "" {
				return c.errf("%s", msg)
			}
			arg = d
		}
		// OpenSSH 9.2 keeps only the first LogVerbose word (it checks
		// for an empty list inside the loop).
		if c.k.name == "logverbose" && i > 0 {
			continue
		}
		vals = append(vals, arg)
	}
	if c.active && !set {
		o.lists[c.k.name] = vals
	}
	return nil
}

func (c *lineCtx) permitRemoteOpen() error {
	var vals []string
	for {
		arg, ok := c.next()
		if !ok {
			break
		}
		if strings.EqualFold(arg, "none") || strings.EqualFold(arg, "any") {
			if len(vals) > 0 || len(c.args) > 0 {
				return c.errf("keyword %s \"%s\" argument must appear alone.", c.keyword, arg)
			}
		} else {
			_, port, ok := hpdelim(arg)
			if !ok {
				le := lineErr("%s: missing host in permitremoteopen", c.loc)
				le.fatal = true
				return le
			}
			if port != "*" && a2port(port) <= 0 {
				le := lineErr("%s: bad port number in permitremoteopen", c.loc)
				le.fatal = true
				return le
			}
		}
		vals = append(vals, arg)
	}
	if len(vals) == 0 {
		return lineErr("%s: missing permitremoteopen specification", c.loc)
	}
	if _, set := c.p.o.lists[c.k.name]; c.active && !set {
		c.p.o.lists[c.k.name] = vals
	}
	return nil
}

func (c *lineCtx) rekeyLimit() error {
	arg, ok := c.next()
	if !ok || arg == "" {
		return c.errf("Missing argument.")
	}
	var limit int64
	if arg != "default" {
		v, ok := scanScaled(arg)
		if !ok {
			return c.errf("Bad number '%s': Invalid argument", arg)
		}
		if v != 0 && v < 16 {
			return c.errf("RekeyLimit too small")
		}
		limit = v
	}
	if c.active {
		c.p.o.setOnce("rekeylimit", limit)
	}
	arg, ok = c.next()
	if !ok || arg == "none" {
		return nil
	}
	if arg == "" {
		return c.errf("missing time value.")
	}
	t := convtime(arg)
	if t < 0 {
		return c.errf("invalid time value.")
	}
	// The time limit is parsed, kept and printed by -G, but never acted
	// on: x/crypto/ssh starts a key exchange only by itself, when a
	// direction passes RekeyThreshold (or 2^31 packets), and has no
	// exported way to ask for one (its handshakeTransport's
	// requestKeyExchange is unexported), so gssh cannot rekey on a timer,
	// nor on ~R. docs/algorithms.md.
	if c.active {
		c.p.o.setOnce("rekeyinterval", t)
	}
	return nil
}

func (c *lineCtx) forward() error {
	arg, ok := c.next()
	if !ok || arg == "" {
		return c.errf("Missing argument.")
	}
	remote := c.k.name == "remoteforward"
	dynamic := c.k.name == "dynamicforward"
	spec := arg
	if !dynamic {
		arg2, ok := c.next()
		switch {
		case (!ok || arg2 == "") && remote:
			dynamic = true
		case !ok || arg2 == "":
			return c.errf("Missing target argument.")
		default:
			spec = arg + ":" + arg2
		}
	}
	f, ok := parseForward(spec, dynamic, remote, c.p.env.lookupEnv)
	if !ok {
		return c.errf("Bad forwarding specification.")
	}
	if !c.active {
		return nil
	}
	list := &c.p.o.localForwards
	if remote {
		list = &c.p.o.remoteForwards
	}
	for _, e := range *list {
		if e == f {
			return nil
		}
	}
	*list = append(*list, f)
	return nil
}

func lookupState(states []state, arg string) (int, bool) {
	for _, s := range states {
		if strings.EqualFold(s.word, arg) {
			return s.val, true
		}
	}
	return 0, false
}

// orNone spells a missing argument (C's NULL) as OpenSSH does.
func orNone(s string, present bool) string {
	if !present {
		return "<NONE>"
	}
	return s
}

// atoiErr parses a non-negative int like misc.c atoi_err and returns
// strtonum's error word ("invalid", "too small", "too large", "missing").
func atoiErr(s string) (int, string) {
	if s == "" {
		return 0, "missing"
	}
	v, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		if strings.HasPrefix(strings.TrimSpace(s), "-") {
			return 0, "too small"
		}
		return 0, "too large"
	case err != nil:
		return 0, "invalid"
	case v < 0:
		return 0, "too small"
	case v > math.MaxInt32:
		return 0, "too large"
	}
	return int(v), ""
}

// convtime parses an OpenSSH time interval ("90", "1h30m", "2d") into
// seconds, or -1 (misc.c convtime).
func convtime(s string) int {
	if s == "" {
		return -1
	}
	total := int64(0)
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return -1
		}
		secs, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || secs > math.MaxInt32 {
			return -1
		}
		s = s[i:]
		mult := int64(1)
		if s != "" {
			switch s[0] {
			case 's', 'S':
			case 'm', 'M':
				mult = 60
			case 'h', 'H':
				mult = 3600
			case 'd', 'D':
				mult = 86400
			case 'w', 'W':
				mult = 604800
			default:
				return -1
			}
			s = s[1:]
		}
		if secs > math.MaxInt32/mult {
			return -1
		}
		total += secs * mult
		if total > math.MaxInt32 {
			return -1
		}
	}
	return int(total)
}

// octalPrefix is the part of s strtol(s, &end, 8) converts: leading
// space, a sign and octal digits; trailing text is ignored, as readconf.c
// does. It is "" when there are no digits.
func octalPrefix(s string) string {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '7' {
		j++
	}
	if j == i {
		return ""
	}
	return s[:j]
}

// validEnvName is misc.c valid_env_name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// validDomain is misc.c valid_domain with makelower: it returns the
// lowercased name without a trailing dot, or OpenSSH's message.
func validDomain(name string) (string, string) {
	if name == "" {
		return "", "empty domain name"
	}
	if c := name[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return "", fmt.Sprintf("domain name \"%s\" starts with invalid character", name)
	}
	lower := strings.ToLower(name)
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if c == '.' && i > 0 && lower[i-1] == '.' {
			return "", fmt.Sprintf("domain name \"%s\" contains consecutive separators", lower[:i+1]+name[i+1:])
		}
		if !(c == '-' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			return "", fmt.Sprintf("domain name \"%s\" contains invalid characters", lower[:i+1]+name[i+1:])
		}
	}
	return strings.TrimSuffix(lower, "."), ""
}
