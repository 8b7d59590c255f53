package main

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gssh/gssh/client/config"
)

// invocation is everything the command line asked for. Settings that
// ssh_config can also express travel as lines in Request.Options (see
// translator); the fields here are the ones that only the command line
// has.
type invocation struct {
	// Request carries the destination host, the -o/-p/-l/... settings as
	// ssh_config lines in precedence order, and the -F file.
	Request config.Request
	// Command holds the remote command words; main joins them with single
	// spaces, unquoted, as OpenSSH does. With -s the command is the
	// subsystem name.
	Command []string

	DumpConfig     bool   // -G: print the resolved configuration and exit
	Version        bool   // -V: print the version and exit
	Help           bool   // --help: print the usage text to stdout and exit 0
	Query          string // -Q: an algorithm query, already validated by queryValid
	ControlCommand string // -O: check, forward, exit, stop, cancel or proxy
	StdioForward   string // -W host:port, as typed
	LogFile        string // -E: append debug logs to this file instead of stderr
	Syslog         bool   // -y: log to syslog
	// Verbosity is OpenSSH's debug_flag: the number of -v that raised
	// the log level (it stops at DEBUG3, -vvvv counts 3).
	Verbosity int

	// Timeout ends the whole run after this long (0: never). gssh only.
	Timeout time.Duration
	// KillAfter is how long to wait, once Timeout or IdleTimeout fired and
	// the remote command was asked to stop, before closing the connection.
	KillAfter time.Duration
	// IdleTimeout ends the run when no data moved in either direction for
	// this long (0: never). gssh only.
	IdleTimeout time.Duration

	// Sessions, End and RemoteTimeout: issue 16's sessions.go and
	// timeout.go. Sessions is --sessions (SessionsJSON: --json), End is
	// --end with its targets (IDs or "hung") in EndTargets.
	Sessions      bool
	SessionsJSON  bool
	End           bool
	EndTargets    []string
	RemoteTimeout bool // --remote-timeout: the server enforces --timeout too

	// --reconnect and its companions (docs/tunnels.md), gssh only:
	// Reconnect keeps a -N tunnel up across lost connections,
	// ReconnectMax bounds the failed attempts in a row (0: never give
	// up), ReconnectFirst retries a failed first connection too. Either
	// companion implies Reconnect.
	Reconnect      bool
	ReconnectMax   int
	ReconnectFirst bool

	// Warnings are messages main prints to stderr before going on, such as
	// OpenSSH's "Warning: Identity file X not accessible: ...".
	Warnings []string
}

// cliFlags declares every flag gssh accepts. Single letters are ssh(1)
// 9.2's getopt string "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy";
// the long flags are gssh's own. kong decodes the typed values; the order
// in which ssh flags appeared, which decides ssh_config precedence, is
// handled by translator because a struct cannot keep it.
type cliFlags struct {
	IPv4               bool     `short:"4" name:"ipv4" help:"Use IPv4 addresses only."`
	IPv6               bool     `short:"6" name:"ipv6" help:"Use IPv6 addresses only."`
	ForwardAgent       bool     `short:"A" name:"forward-agent" help:"Forward the authentication agent."`
	NoForwardAgent     bool     `short:"a" name:"no-forward-agent" help:"Do not forward the authentication agent."`
	BindInterface      string   `short:"B" name:"bind-interface" help:"Bind to this interface's address."`
	BindAddress        string   `short:"b" name:"bind-address" help:"Bind to this local address."`
	Compression        bool     `short:"C" name:"compression" help:"Request compression (accepted, not used)."`
	Ciphers            string   `short:"c" name:"cipher-spec" help:"Ciphers, comma-separated."`
	DynamicForward     []string `short:"D" name:"dynamic-forward" sep:"none" help:"SOCKS forwarding [bind_address:]port."`
	LogFile            string   `short:"E" name:"log-file" help:"Append debug logs to this file."`
	EscapeChar         string   `short:"e" name:"escape-char" help:"Escape character, ^X or none."`
	ConfigFile         string   `short:"F" name:"config-file" help:"Read this configuration file only."`
	Fork               bool     `short:"f" name:"fork" help:"Go to background after authentication."`
	DumpConfig         bool     `short:"G" name:"dump-config" help:"Print the configuration and exit."`
	GatewayPorts       bool     `short:"g" name:"gateway-ports" help:"Let remote hosts connect to local forwards."`
	PKCS11             string   `short:"I" name:"pkcs11" help:"PKCS#11 provider library."`
	Identity           []string `short:"i" name:"identity-file" sep:"none" help:"Identity (private key) file."`
	Jump               string   `short:"J" name:"jump" help:"Jump hosts [user@]host[:port],..."`
	GSSAPI             bool     `short:"K" name:"gssapi" help:"GSSAPI authentication and delegation."`
	NoGSSAPIDelegation bool     `short:"k" name:"no-gssapi-delegation" help:"Do not delegate GSSAPI credentials."`
	LocalForward       []string `short:"L" name:"local-forward" sep:"none" help:"Local forwarding."`
	Login              string   `short:"l" name:"login-name" help:"Remote user name."`
	Master             int      `short:"M" name:"master" type:"counter" help:"Become a control master (twice: ask)."`
	MACs               string   `short:"m" name:"mac-spec" help:"MACs, comma-separated."`
	NoShell            bool     `short:"N" name:"no-shell" help:"Run no remote command."`
	StdinNull          bool     `short:"n" name:"stdin-null" help:"Read stdin from /dev/null."`
	ControlCommand     string   `short:"O" name:"ctl-cmd" help:"Control a master: check, forward, cancel, exit, stop, proxy."`
	Option             []string `short:"o" name:"option" sep:"none" help:"An ssh_config line."`
	Port               string   `short:"p" name:"port" help:"Remote port."`
	Query              string   `short:"Q" name:"query" help:"List supported algorithms and exit."`
	Quiet              bool     `short:"q" name:"quiet" help:"Quiet mode."`
	RemoteForward      []string `short:"R" name:"remote-forward" sep:"none" help:"Remote forwarding."`
	ControlPath        string   `short:"S" name:"ctl-path" help:"Control socket path."`
	Subsystem          bool     `short:"s" name:"subsystem" help:"The command is a subsystem name."`
	NoTTY              bool     `short:"T" name:"no-tty" help:"Do not request a pseudo-terminal."`
	TTY                int      `short:"t" name:"tty" type:"counter" help:"Request a pseudo-terminal (twice: force)."`
	Version            bool     `short:"V" name:"version" help:"Print the version and exit."`
	Verbose            int      `short:"v" name:"verbose" type:"counter" help:"More debugging output (up to 3)."`
	Tunnel             string   `short:"w" name:"tunnel" help:"Tunnel devices local_tun[:remote_tun]."`
	StdioForward       string   `short:"W" name:"stdio-forward" help:"Forward stdio to host:port."`
	ForwardX11         bool     `short:"X" name:"forward-x11" help:"Forward X11."`
	NoForwardX11       bool     `short:"x" name:"no-forward-x11" help:"Do not forward X11."`
	TrustedX11         bool     `short:"Y" name:"trusted-x11" help:"Forward X11 as trusted."`
	Syslog             bool     `short:"y" name:"syslog" help:"Log to syslog."`
	// -1 is a fatal error and -2 and -P are no-ops in 9.2; they are still
	// flags so that "-2" or "-P" in a caller's argv parses as in OpenSSH.
	Protocol1  bool `short:"1" name:"protocol-1" hidden:""`
	Protocol2  bool `short:"2" name:"protocol-2" hidden:""`
	Privileged bool `short:"P" name:"privileged-port" hidden:""`

	Timeout     duration `name:"timeout" placeholder:"DURATION" help:"Stop after this long (seconds or a Go duration)."`
	KillAfter   duration `name:"kill-after" placeholder:"DURATION" default:"5s" help:"After --timeout/--idle-timeout, wait this long for the command to stop."`
	IdleTimeout duration `name:"idle-timeout" placeholder:"DURATION" help:"Stop when no data moved for this long."`
	Help        bool     `name:"help" help:"Print this usage text and exit."`

	// Live sessions and the server-side deadline (docs/sessions.md,
	// docs/keepalive-and-timeouts.md).
	Sessions      bool `name:"sessions" help:"List the running gssh processes and exit."`
	JSON          bool `name:"json" help:"With --sessions: print JSON."`
	End           bool `name:"end" help:"End the sessions given as arguments (IDs, or hung) and exit."`
	RemoteTimeout bool `name:"remote-timeout" help:"With --timeout: run the command under the same deadline on the server."`

	// --reconnect and its companions (docs/tunnels.md).
	Reconnect      bool `name:"reconnect" help:"Keep a -N tunnel up: reconnect and restore its forwardings."`
	ReconnectMax   int  `name:"reconnect-max" placeholder:"N" help:"With --reconnect, give up after N failed attempts in a row."`
	ReconnectFirst bool `name:"reconnect-first" help:"With --reconnect, retry also when the first connection fails."`
}

// gsshLongFlags are the long flags a user may type; the other long names in
// cliFlags exist only for the argv that parseArgs hands to kong. The value
// tells whether the flag takes an argument.
func gsshLongFlags() map[string]bool {
	return map[string]bool{"timeout": true, "kill-after": true, "idle-timeout": true, "help": false,
		"sessions": false, "json": false, "end": false, "remote-timeout": false,
		"reconnect": false, "reconnect-max": true, "reconnect-first": false}
}

// duration is a non-negative time.Duration written as seconds ("300") or
// in Go syntax ("5m").
type duration time.Duration

// Decode implements kong.MapperValue.
func (d *duration) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("duration", &s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = duration(v)
	return nil
}

// parseDuration accepts whole or fractional seconds or a Go duration and
// rejects negative values.
func parseDuration(s string) (time.Duration, error) {
	if s != "" && strings.Trim(s, "0123456789.") == "" {
		// Plain seconds, as timeout(1) takes them. Only digits and a
		// point get here, so ParseFloat sees no sign, NaN or exponent.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f*float64(time.Second) > float64(1<<63-1) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want seconds or a duration such as 90s or 5m", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return v, nil
}

// optSpec describes one flag for the getopt scan: whether it takes an
// argument, and the long name kong knows it by.
type optSpec struct {
	name     string
	takesArg bool
}

// cliParser is a kong parser over cliFlags plus the getopt table derived
// from kong's model, so the flag definitions live in one place.
type cliParser struct {
	kong  *kong.Kong
	flags *cliFlags
	short map[byte]optSpec
	long  map[string]optSpec
}

// newCLIParser builds the kong parser and reads the getopt table off its
// model.
func newCLIParser() (*cliParser, error) {
	p := &cliParser{flags: &cliFlags{}, short: map[byte]optSpec{}, long: map[string]optSpec{}}
	k, err := kong.New(p.flags,
		kong.Name("gssh"),
		kong.NoDefaultHelp(),
		// Parsing never exits: errors come back to main, which maps
		// them to exit status 255 as OpenSSH does (kong's own is 80).
		kong.Exit(func(int) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("gssh: building the flag parser: %w", err)
	}
	p.kong = k
	userLong := gsshLongFlags()
	for _, f := range k.Model.Flags {
		spec := optSpec{name: f.Name, takesArg: !f.IsBool() && !f.IsCounter()}
		if f.Short != 0 {
			p.short[byte(f.Short)] = spec
		}
		if _, ok := userLong[f.Name]; ok {
			p.long[f.Name] = spec
		}
	}
	return p, nil
}

// optEvent is one option as getopt returned it.
type optEvent struct {
	letter byte   // 0 for a long flag
	name   string // kong's name for the flag
	arg    string
	hasArg bool
}

// kongArg renders the event so that kong reads back exactly the same
// value: "--name=value" keeps values that start with "-" or are empty.
func (e optEvent) kongArg() string {
	if e.hasArg {
		return "--" + e.name + "=" + e.arg
	}
	if e.letter != 0 {
		return "-" + string(e.letter)
	}
	return "--" + e.name
}

// getopt scans args from the start the way OpenBSD's getopt(3) does for
// ssh: options end at the first word that is not one ("-" is not) or
// after "--", letters combine ("-gfN"), and an option's argument is the
// rest of the word or the next word ("-p1022", "-p 1022", "-l -x").
// Every option is passed to handle at once so errors come out in
// command-line order. It returns the index of the first word not
// consumed, and whether handle asked to stop (after -Q, -V or --help).
func (p *cliParser) getopt(args []string, handle func(optEvent) (bool, error)) (int, bool, error) {
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return i + 1, false, nil
		}
		if len(a) < 2 || a[0] != '-' {
			return i, false, nil
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec, ok := p.long[name]
			switch {
			case !ok:
				return i, false, &usageError{msg: "unknown option -- -"}
			case !spec.takesArg && hasVal:
				return i, false, &usageError{msg: fmt.Sprintf("option --%s takes no argument", name)}
			case spec.takesArg && !hasVal:
				if i+1 == len(args) {
					return i, false, &usageError{msg: "option requires an argument -- " + name}
				}
				i++
				val, hasVal = args[i], true
			}
			stop, err := handle(optEvent{name: name, arg: val, hasArg: hasVal})
			if err != nil || stop {
				return i + 1, stop, err
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			spec, ok := p.short[c]
			if !ok {
				return i, false, &usageError{msg: "unknown option -- " + string(c)}
			}
			ev := optEvent{letter: c, name: spec.name}
			last := true
			if spec.takesArg {
				switch {
				case j+1 < len(a):
					ev.arg = a[j+1:]
				case i+1 < len(args):
					i++
					ev.arg = args[i]
				default:
					return i, false, &usageError{msg: "option requires an argument -- " + string(c)}
				}
				ev.hasArg = true
			} else {
				last = j+1 == len(a)
			}
			stop, err := handle(ev)
			if err != nil || stop {
				return i + 1, stop, err
			}
			if spec.takesArg || last {
				break
			}
		}
	}
	return i, false, nil
}

// parseArgs parses gssh's command line (without argv[0]) as OpenSSH 9.2's
// ssh does: options, the destination, more options until the first word
// that is not one, then the remote command. It never exits; a bad
// command line gives a *usageError (print the message if any, then the
// usage text) or a *fatalError (print the message alone), both exit 255.
// With -Q, -V or --help parsing stops there and no destination is needed,
// as ssh acts on them at once.
func parseArgs(args []string) (*invocation, error) {
	p, err := newCLIParser()
	if err != nil {
		return nil, err
	}
	t := newTranslator()
	var seen []optEvent
	handle := func(ev optEvent) (bool, error) {
		seen = append(seen, ev)
		return t.apply(ev)
	}

	i, stop, err := p.getopt(args, handle)
	if err != nil {
		return nil, err
	}
	var command []string
	if t.admin != "" && !stop {
		// --sessions and --end take no destination: the words after the
		// options are --end's targets.
		command = args[i:]
	} else if !stop && i < len(args) {
		// "--" ends the options, and so does a "--" that was the last
		// option's argument: ssh.c only looks at av[optind-1].
		terminated := i > 0 && args[i-1] == "--"
		if err := t.destination(args[i]); err != nil {
			return nil, err
		}
		rest := args[i+1:]
		if len(rest) > 0 && !terminated {
			var j int
			j, stop, err = p.getopt(rest, handle)
			if err != nil {
				return nil, err
			}
			rest = rest[j:]
		}
		command = rest
	}

	inv := &invocation{Command: command}
	if t.admin != "" && !stop {
		if err := adminArgs(t.admin, t.hasHost, inv); err != nil {
			return nil, err
		}
	} else if !stop {
		if t.json {
			return nil, fatalf("gssh: --json goes with --sessions")
		}
		if !t.hasHost {
			return nil, &usageError{}
		}
		// ssh.c refuses hostile names (and bad -o lines) here, before
		// it reads a configuration file that could paste them into a
		// shell command.
		if err := config.CheckCommandLine(config.Request{Host: t.host, Options: t.options()}); err != nil {
			return nil, err
		}
		if len(command) == 0 && t.cur["sessiontype"] == "subsystem" {
			return nil, &usageError{msg: "You must specify a subsystem to invoke.", plain: true}
		}
	}

	kargs := make([]string, 0, len(seen))
	for _, ev := range seen {
		kargs = append(kargs, ev.kongArg())
	}
	if _, err := p.kong.Parse(kargs); err != nil {
		// Only gssh's own long flags carry values kong checks: a bad
		// duration is one line, as ssh reports a bad -p.
		return nil, &fatalError{msg: "gssh: " + err.Error()}
	}
	f := p.flags
	if !stop && f.Syslog && f.LogFile != "" {
		return nil, logFatalf("Can't specify both -y and -E")
	}
	inv.Request = config.Request{Host: t.host, Options: t.options(), ConfigFile: f.ConfigFile}
	inv.DumpConfig = f.DumpConfig
	inv.Version = f.Version
	inv.Help = f.Help
	inv.Query = f.Query
	inv.ControlCommand = f.ControlCommand
	inv.StdioForward = f.StdioForward
	inv.LogFile = f.LogFile
	inv.Syslog = f.Syslog
	inv.Verbosity = t.debug
	inv.Timeout = time.Duration(f.Timeout)
	inv.KillAfter = time.Duration(f.KillAfter)
	inv.IdleTimeout = time.Duration(f.IdleTimeout)
	if f.ReconnectMax < 0 {
		return nil, &fatalError{msg: fmt.Sprintf("gssh: --reconnect-max %d: must not be negative", f.ReconnectMax)}
	}
	inv.Reconnect = f.Reconnect || f.ReconnectMax > 0 || f.ReconnectFirst
	inv.ReconnectMax = f.ReconnectMax
	inv.ReconnectFirst = f.ReconnectFirst
	inv.Warnings = t.warnings
	inv.Sessions, inv.SessionsJSON, inv.End = f.Sessions, f.JSON, f.End
	inv.RemoteTimeout = f.RemoteTimeout
	switch {
	case stop:
	case f.JSON && !f.Sessions:
		return nil, fatalf("gssh: --json goes with --sessions")
	case f.RemoteTimeout && (f.Sessions || f.End):
		return nil, fatalf("gssh: --remote-timeout goes with a remote command")
	case f.RemoteTimeout && inv.Timeout <= 0:
		return nil, fatalf("gssh: --remote-timeout needs --timeout")
	}
	return inv, nil
}

// translator turns ssh flags into ssh_config lines with OpenSSH 9.2's
// precedence. ssh.c applies each flag to its options struct while it
// parses, and -o lines and configuration files only fill what is still
// empty. Some flags assign unconditionally, so the last one wins even over
// an earlier -o (-4/-6, -A/-a, -B, -b, -C, -c, -e, -f, -g, -I, -K/-k, -M,
// -m, -N, -n, -q, -S, -s, -T, -t, -v, -W, -w's devices, -X/-x/-Y); others
// fill an empty value like -o does (-p, -l, the destination's user and
// port, -w's mode, -J); -i and -L/-R/-D accumulate. For a resolver where
// the first line wins, the unconditional ones become lines that come
// before all others and hold each keyword's final value; the rest stay in
// command-line order.
type translator struct {
	front    map[string]string // keyword → final value of an unconditional flag
	frontSeq []string          // keywords of front, in the order first set
	lines    []string          // -o, first-wins and accumulating lines, in order
	set      map[string]bool   // lowercased keyword → already has a value
	cur      map[string]string // lowercased keyword → normalised value, for flags that read it
	level    int               // index into logLevels, -1 when unset
	debug    int               // ssh.c's debug_flag
	admin    string            // "sessions" or "end" when seen (sessions.go)
	json     bool              // --json seen
	muxCmd   bool              // -O seen
	stdio    bool              // -W seen
	host     string
	hasHost  bool
	warnings []string
}

// logLevels are OpenSSH's log levels in order; -v steps through them.
func logLevels() []string {
	return []string{"QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"}
}

// newTranslator returns a translator with nothing set yet.
func newTranslator() *translator {
	return &translator{front: map[string]string{}, set: map[string]bool{}, cur: map[string]string{}, level: -1}
}

// options returns the ssh_config lines for config.Request.Options.
func (t *translator) options() []string {
	out := make([]string, 0, len(t.frontSeq)+len(t.lines))
	for _, k := range t.frontSeq {
		out = append(out, configLine(k, t.front[k]))
	}
	out = append(out, t.lines...)
	if t.stdio {
		// ssh.c makes -W default these two to yes once the
		// configuration is read. Last among the command-line lines is
		// as late as Options can put them: a configuration file that
		// sets them, which OpenSSH would obey, loses here.
		out = append(out, "ClearAllForwardings yes", "ExitOnForwardFailure yes")
	}
	return out
}

// force records an unconditional assignment.
func (t *translator) force(keyword, value string) {
	if _, ok := t.front[keyword]; !ok {
		t.frontSeq = append(t.frontSeq, keyword)
	}
	t.front[keyword] = value
	k := strings.ToLower(keyword)
	t.set[k] = true
	t.cur[k] = value
}

// fill records a first-wins assignment: it takes effect only when nothing
// earlier set the keyword. Lines that would lose are left out, so Options
// shows what ssh would use.
func (t *translator) fill(keyword, value string) {
	k := strings.ToLower(keyword)
	if t.set[k] {
		return
	}
	t.set[k] = true
	t.cur[k] = value
	t.lines = append(t.lines, configLine(keyword, value))
}

// fatalf makes a *fatalError, the counterpart of ssh.c's fatal().
func fatalf(format string, a ...any) error {
	return &fatalError{msg: fmt.Sprintf(format, a...)}
}

// logFatalf is fatalf for the checks ssh reports through its fatal(),
// whose line ends in "\r\n" rather than fprintf's "\n".
func logFatalf(format string, a ...any) error {
	return &fatalError{msg: fmt.Sprintf(format, a...), logged: true}
}

// apply handles one option in command-line order, with ssh.c's checks and
// messages. It reports whether parsing stops here (-Q, -V, --help).
func (t *translator) apply(ev optEvent) (bool, error) {
	arg := ev.arg
	switch ev.letter {
	case 0:
		t.json = t.json || ev.name == "json"
		if ev.name == "sessions" || ev.name == "end" {
			if t.admin != "" && t.admin != ev.name {
				return false, fatalf("gssh: --sessions and --end do not go together")
			}
			t.admin = ev.name
		}
		return ev.name == "help", nil
	case '1':
		return false, logFatalf("SSH protocol v.1 is no longer supported")
	case '4':
		t.force("AddressFamily", "inet")
	case '6':
		t.force("AddressFamily", "inet6")
	case 'A':
		t.force("ForwardAgent", "yes")
	case 'a':
		t.force("ForwardAgent", "no")
	case 'B':
		t.force("BindInterface", arg)
	case 'b':
		t.force("BindAddress", arg)
	case 'C':
		t.force("Compression", "yes")
	case 'c':
		// 9.2 takes "+list" and "^list" here too, but not "-list".
		names := arg
		if strings.HasPrefix(names, "+") || strings.HasPrefix(names, "^") {
			names = names[1:]
		}
		if !config.ValidCiphers(names) {
			return false, fatalf("Unknown cipher type '%s'", arg)
		}
		t.force("Ciphers", arg)
	case 'D':
		f, ok := config.ParseForward(config.ForwardDynamic, arg)
		if !ok {
			return false, fatalf("Bad dynamic forwarding specification '%s'", arg)
		}
		t.lines = append(t.lines, forwardLine(f))
	case 'e':
		if !escapeValid(arg) {
			return false, fatalf("Bad escape character '%s'.", arg)
		}
		t.force("EscapeChar", arg)
	case 'f':
		t.force("ForkAfterAuthentication", "yes")
		t.force("StdinNull", "yes")
	case 'g':
		t.force("GatewayPorts", "yes")
	case 'I':
		t.force("PKCS11Provider", arg)
	case 'i':
		return false, t.identity(arg)
	case 'J':
		return false, t.jump(arg)
	case 'K':
		t.force("GSSAPIAuthentication", "yes")
		t.force("GSSAPIDelegateCredentials", "yes")
	case 'k':
		t.force("GSSAPIDelegateCredentials", "no")
	case 'L':
		f, ok := config.ParseForward(config.ForwardLocal, arg)
		if !ok {
			return false, fatalf("Bad local forwarding specification '%s'", arg)
		}
		t.lines = append(t.lines, forwardLine(f))
	case 'l':
		t.fill("User", arg)
	case 'M':
		if t.cur["controlmaster"] == "yes" {
			t.force("ControlMaster", "ask")
		} else {
			t.force("ControlMaster", "yes")
		}
	case 'm':
		if !config.ValidMACs(arg) {
			return false, fatalf("Unknown mac type '%s'", arg)
		}
		t.force("MACs", arg)
	case 'N':
		if t.set["sessiontype"] && t.cur["sessiontype"] != "none" {
			return false, logFatalf("Cannot specify -N with -s/SessionType")
		}
		t.force("SessionType", "none")
		t.force("RequestTTY", config.RequestTTYNo.String())
	case 'n':
		t.force("StdinNull", "yes")
	case 'O':
		switch {
		case t.stdio:
			return false, logFatalf("Cannot specify multiplexing command with -W")
		case t.muxCmd:
			return false, logFatalf("Multiplexing command already specified")
		}
		switch arg {
		case "check", "forward", "exit", "stop", "cancel", "proxy", "conninfo", "channels":
		default:
			return false, logFatalf("Invalid multiplex command.")
		}
		t.muxCmd = true
	case 'o':
		return false, t.option(arg)
	case 'p':
		if t.set["port"] {
			// ssh.c does not even check a -p that comes too late.
			return false, nil
		}
		port := a2port(arg)
		if port <= 0 {
			return false, fatalf("Bad port '%s'", arg)
		}
		t.fill("Port", strconv.Itoa(port))
	case 'Q':
		if !queryValid(arg) {
			return false, logFatalf("Unsupported query \"%s\"", arg)
		}
		return true, nil
	case 'q':
		t.level = 0
		t.force("LogLevel", logLevels()[t.level])
	case 'R':
		f, ok := config.ParseForward(config.ForwardRemote, arg)
		if !ok {
			return false, fatalf("Bad remote forwarding specification '%s'", arg)
		}
		t.lines = append(t.lines, forwardLine(f))
	case 'S':
		t.force("ControlPath", arg)
	case 's':
		if t.set["sessiontype"] && t.cur["sessiontype"] != "subsystem" {
			return false, logFatalf("Cannot specify -s with -N/SessionType")
		}
		t.force("SessionType", "subsystem")
	case 'T':
		t.force("RequestTTY", config.RequestTTYNo.String())
	case 't':
		if t.cur["requesttty"] == config.RequestTTYYes.String() {
			t.force("RequestTTY", config.RequestTTYForce.String())
		} else {
			t.force("RequestTTY", config.RequestTTYYes.String())
		}
	case 'V':
		return true, nil
	case 'v':
		switch {
		case t.debug == 0:
			t.debug, t.level = 1, 5
		case t.level < len(logLevels())-1:
			t.debug++
			t.level++
		}
		t.force("LogLevel", logLevels()[t.level])
	case 'W':
		switch {
		case t.stdio:
			return false, logFatalf("stdio forward already specified")
		case t.muxCmd:
			return false, logFatalf("Cannot specify stdio forward with -O")
		}
		if _, ok := config.ParseForward(config.ForwardDynamic, arg); !ok {
			return false, fatalf("Bad stdio forwarding specification '%s'", arg)
		}
		t.stdio = true
		t.force("RequestTTY", config.RequestTTYNo.String())
		t.force("SessionType", "none")
	case 'w':
		if !tunValid(arg) {
			return false, fatalf("Bad tun device '%s'", arg)
		}
		t.fill("Tunnel", "yes")
		t.force("TunnelDevice", arg)
	case 'X':
		t.force("ForwardX11", "yes")
	case 'x':
		t.force("ForwardX11", "no")
	case 'Y':
		t.force("ForwardX11", "yes")
		t.force("ForwardX11Trusted", "yes")
	}
	// -2, -P (no-ops in 9.2) and -E, -F, -G, -y (kept by kong) need
	// nothing here.
	return false, nil
}

// option handles -o: the line goes to the resolver as typed, and its value
// is noted when it is the first for its keyword, for the flags that read
// it later (-t, -M, -v, -N, -s, -p, -l, -w, -J). A ProxyJump line is
// checked at once, hop names included, because ssh rejects it right here,
// before any later option.
func (t *translator) option(line string) error {
	t.lines = append(t.lines, line)
	key, value := splitOption(line)
	k := strings.ToLower(key)
	if k == "proxyjump" {
		if err := config.CheckOptions(t.lines); err != nil {
			return err
		}
	}
	if k == "" || t.set[k] {
		return nil
	}
	switch k {
	case "proxycommand":
		// readconf.c ignores ProxyCommand once ProxyJump is set.
		if t.set["proxyjump"] {
			return nil
		}
	case "loglevel":
		for i, name := range logLevels() {
			if strings.EqualFold(value, name) || (i == 5 && strings.EqualFold(value, "DEBUG")) {
				t.level = i
			}
		}
	case "requesttty", "controlmaster":
		switch strings.ToLower(value) {
		case "yes", "true":
			value = "yes"
		case "no", "false":
			value = "no"
		}
	}
	t.set[k] = true
	t.cur[k] = strings.ToLower(value)
	return nil
}

// splitOption splits an ssh_config line into its keyword and first
// argument: "Key value", "Key=value" and "Key = value" all work, as in
// readconf.c, and the argument may be in double quotes.
func splitOption(line string) (string, string) {
	s := strings.TrimLeft(line, " \t\r\n")
	end := strings.IndexAny(s, " \t\r\n=")
	if end < 0 {
		return s, ""
	}
	key, rest := s[:end], strings.TrimLeft(s[end:], " \t\r\n")
	if strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
	}
	if strings.HasPrefix(rest, `"`) {
		if v, _, ok := strings.Cut(rest[1:], `"`); ok {
			return key, v
		}
	}
	if i := strings.IndexAny(rest, " \t\r\n"); i >= 0 {
		rest = rest[:i]
	}
	return key, rest
}

// configLine renders one ssh_config line, quoting the value when
// readconf's tokenizer would otherwise split or alter it.
func configLine(keyword, value string) string {
	return keyword + " " + quoteValue(value)
}

// quoteValue puts value in double quotes, with '\' and '"' escaped, when
// it is empty or holds a blank (isspace's six), a quote, a backslash, '#'
// or '='.
func quoteValue(value string) string {
	if value != "" && !strings.ContainsAny(value, " \t\r\n\v\f\"'\\#=") {
		return value
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(value) + `"`
}

// jump handles -J with ssh.c's checks.
func (t *translator) jump(arg string) error {
	switch {
	case t.set["proxyjump"]:
		return logFatalf("Only a single -J option is permitted (use commas to separate multiple jump hops)")
	case t.set["proxycommand"]:
		return logFatalf("Cannot specify -J with ProxyCommand")
	}
	spec := config.StrictJumpSpec(arg)
	if ok, err := jumpValid(spec); !ok {
		return &fatalError{msg: "Invalid -J argument", logged: true, cause: err}
	}
	// readconf.c takes a ProxyJump value as the rest of the line, quotes
	// and all, so the spec goes unquoted; it holds no blank.
	t.lines = append(t.lines, "ProxyJump "+spec)
	t.set["proxyjump"] = true
	t.cur["proxyjump"] = spec
	// ssh.c also sets ProxyCommand to "none" so that a later -o
	// ProxyCommand cannot take effect; the resolver does the same
	// because ProxyJump comes first.
	t.set["proxycommand"] = true
	return nil
}

// identity handles -i: ssh.c expands "~", and skips with a warning a file
// it cannot stat.
func (t *translator) identity(arg string) error {
	path, err := expandTilde(arg)
	if err != nil {
		return &fatalError{msg: err.Error()}
	}
	if _, err := os.Stat(path); err != nil {
		t.warnings = append(t.warnings, fmt.Sprintf("Warning: Identity file %s not accessible: %s.", path, config.Strerror(err)))
		return nil
	}
	t.lines = append(t.lines, configLine("IdentityFile", path))
	return nil
}

// destination handles the first non-option word: ssh://[user@]host[:port]
// or [user@]host, split at the last "@". Its user and port count only
// when no earlier option set them.
func (t *translator) destination(arg string) error {
	var user, host string
	port := -1
	if strings.HasPrefix(arg, "ssh://") {
		u, ok := parseSSHURI(arg)
		if !ok {
			return &usageError{}
		}
		user, host, port = u.user, u.host, u.port
	} else if at := strings.LastIndexByte(arg, '@'); at == 0 {
		return &usageError{}
	} else if at > 0 {
		user, host = arg[:at], arg[at+1:]
	} else {
		host = arg
	}
	if user != "" {
		t.fill("User", user)
	}
	if port > 0 {
		t.fill("Port", strconv.Itoa(port))
	}
	t.host, t.hasHost = host, true
	return nil
}

// a2port is misc.c's a2port: a decimal port 0-65535 (leading blanks and a
// sign allowed, as strtonum does) or a service name from /etc/services;
// -1 when neither.
func a2port(s string) int {
	n, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 64)
	if err == nil {
		if n < 0 || n > 65535 {
			return -1
		}
		return int(n)
	}
	if s == "" {
		return -1
	}
	port, err := net.LookupPort("tcp", s)
	if err != nil {
		return -1
	}
	return port
}

// escapeValid accepts what ssh.c accepts for -e: one character, ^X for a
// control character, or "none".
func escapeValid(s string) bool {
	return len(s) == 1 || s == "none" || (len(s) == 2 && s[0] == '^' && s[1] >= 64 && s[1] < 128)
}

// tunValid is misc.c's a2tun check for -w: local_tun[:remote_tun], each
// "any" or a number up to INT_MAX-2.
func tunValid(s string) bool {
	one := func(s string) bool {
		if strings.EqualFold(s, "any") {
			return true
		}
		n, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 64)
		return err == nil && n >= 0 && n <= 1<<31-3
	}
	local, remote, hasRemote := strings.Cut(s, ":")
	return one(local) && (!hasRemote || one(remote))
}

// jumpValid is readconf.c's parse_jump check of a -J argument: "none",
// or hops separated by commas, each ssh://[user@]host[:port] or
// [user@]host[:port], whose names must pass config.CheckJumpHop. Like
// parse_jump it goes from the last hop to the first. A bad name comes
// back as the *config.NameError that ssh reports before "Invalid -J
// argument"; bad syntax as false alone.
func jumpValid(s string) (bool, error) {
	if strings.EqualFold(s, "none") {
		return true, nil
	}
	hops := strings.Split(s, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		user, host, ok := splitHop(hops[i])
		if !ok {
			return false, nil
		}
		if err := config.CheckJumpHop(user, host); err != nil {
			return false, err
		}
	}
	return true, nil
}

// splitHop checks one jump hop's syntax and returns its user (percent-
// decoded in a URI) and host.
func splitHop(hop string) (user, host string, ok bool) {
	if strings.HasPrefix(hop, "ssh://") {
		u, ok := parseSSHURI(hop)
		return u.user, u.host, ok
	}
	if at := strings.LastIndexByte(hop, '@'); at >= 0 {
		if at == 0 {
			return "", "", false
		}
		user, hop = hop[:at], hop[at+1:]
	}
	host, rest, ok := hpdelim(hop)
	if !ok || host == "" || (rest != "" && a2port(rest) <= 0) {
		return "", "", false
	}
	return user, host, true
}

// hpdelim is misc.c's hpdelim: it splits "host:rest" or "host/rest",
// where host may be "[v6addr]" (returned without brackets).
func hpdelim(s string) (host, rest string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host, s = s[1:end], s[end+1:]
		if s == "" {
			return host, "", true
		}
		if s[0] != ':' && s[0] != '/' {
			return "", "", false
		}
		return host, s[1:], true
	}
	if i := strings.IndexAny(s, ":/"); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", true
}

// sshURI is a parsed ssh://[user@]host[:port] destination.
type sshURI struct {
	user, host string
	port       int // -1 when absent
}

// parseSSHURI is misc.c's parse_ssh_uri for a string starting "ssh://".
// The user is percent-decoded and ";params" after it are dropped; the
// host must be a valid domain name. Unlike OpenSSH 9.2, which rejects
// them, a bracketed IPv6 address is accepted as the host.
func parseSSHURI(s string) (sshURI, bool) {
	u := sshURI{port: -1}
	rest := strings.TrimPrefix(s, "ssh://")
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		user, _, _ := strings.Cut(rest[:at], ";")
		dec, ok := config.URLDecode(user)
		if !ok {
			return u, false
		}
		u.user, rest = dec, rest[at+1:]
	}
	bracketed := strings.HasPrefix(rest, "[")
	var delim byte
	if i := strings.IndexAny(rest, ":/"); i >= 0 && !bracketed {
		delim = rest[i]
	} else if bracketed {
		if end := strings.IndexByte(rest, ']'); end >= 0 && end+1 < len(rest) {
			delim = rest[end+1]
		}
	}
	host, tail, ok := hpdelim(rest)
	if !ok || host == "" {
		return u, false
	}
	if bracketed {
		if net.ParseIP(host) == nil {
			return u, false
		}
	} else if !validDomain(host) {
		return u, false
	}
	u.host = host
	if tail != "" && delim == ':' {
		portStr, path, _ := strings.Cut(tail, "/")
		if u.port = a2port(portStr); u.port <= 0 {
			return u, false
		}
		tail = path
	}
	// A path is not allowed in an ssh destination; a bare "/" is.
	return u, tail == ""
}

// validDomain is misc.c's valid_domain: letters, digits, '-', '_' and
// single dots, starting with a letter or digit, not ending with a dot.
func validDomain(s string) bool {
	if s == "" || !isAlnum(s[0]) || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' && i > 0 && s[i-1] == '.' {
			return false
		}
		if c != '.' && c != '-' && c != '_' && !isAlnum(c) {
			return false
		}
	}
	return true
}

// isAlnum is C's isalnum in the C locale.
func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// forwardLine is a forwarding of -L, -R or -D as the ssh_config line
// that sets it, which config reads with the rest of the command line
// (and expands ${VAR} in, as ssh does): LocalForward and RemoteForward
// take the listen side and the destination as two words, which readconf
// joins again with ':'; DynamicForward takes one.
func forwardLine(f config.Forward) string {
	keyword := map[config.ForwardKind]string{
		config.ForwardLocal: "LocalForward", config.ForwardRemote: "RemoteForward", config.ForwardDynamic: "DynamicForward",
	}[f.Kind]
	listen, connect := f.Words()
	if f.Kind == config.ForwardDynamic || connect == "" {
		return configLine(keyword, f.String())
	}
	return configLine(keyword, listen) + " " + quoteValue(connect)
}

// expandTilde is misc.c's tilde_expand_filename: "~/x" and "~x" are under
// the current user's home directory, "~user/x" under that user's.
func expandTilde(s string) (string, error) {
	if !strings.HasPrefix(s, "~") {
		return s, nil
	}
	rest := s[1:]
	var u *user.User
	var err error
	if slash := strings.IndexByte(rest, '/'); slash > 0 {
		name := rest[:slash]
		if u, err = user.Lookup(name); err != nil {
			return "", fmt.Errorf("tilde_expand_filename: No such user %s", name)
		}
		rest = rest[slash+1:]
	} else {
		if u, err = user.Current(); err != nil {
			return "", fmt.Errorf("tilde_expand_filename: No such uid %d: %w", os.Getuid(), err)
		}
		rest = strings.TrimPrefix(rest, "/")
	}
	dir := u.HomeDir
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	return dir + rest, nil
}
