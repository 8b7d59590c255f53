package config

import (
	"errors"
	"fmt"
	"strings"
)

// Names typed on the command line, in an ssh:// URI, with -l, -o User or
// in a -J / -o ProxyJump hop reach a shell through %h, %n, %r and %u in
// ProxyCommand, LocalCommand, Match exec, KnownHostsCommand and the like.
// ssh(1) therefore refuses names that carry shell metacharacters before
// it reads any configuration file. The rules are those of the ssh on
// Debian 12 (9.2p1-2+deb12u10: OpenSSH 9.6's valid_hostname and
// valid_ruser, 10.1's control-character ban for users, 10.3's checks of
// command-line jump hops), measured against /usr/bin/ssh byte by byte;
// docs/security.md has the table. Names from configuration files
// (HostName, User, ProxyJump) are not checked, as ssh does not check them:
// the files are the user's own.

// hostMeta are the bytes valid_hostname refuses besides blanks and
// control characters.
const hostMeta = "'`\"$\\;&<>|(){},"

// userMeta are the bytes valid_ruser refuses besides control characters;
// "$" and "\" (except at the end) are allowed, as ssh allows them.
const userMeta = "'`\";&<>|(){}"

// ValidHostname reports whether ssh accepts host as a destination or
// jump host name given on the command line: no leading '-', no blank,
// control character or byte of hostMeta. Bytes above 0x7f are allowed.
func ValidHostname(host string) bool {
	if strings.HasPrefix(host, "-") {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if isCntrl(c) || c == ' ' || strings.IndexByte(hostMeta, c) >= 0 {
			return false
		}
	}
	return true
}

// ValidUser reports whether ssh accepts user as a remote user name given
// on the command line: no leading '-', no control character or byte of
// userMeta, no blank followed by '-' (an option to a command that %r is
// pasted into) and no '\' at the end (it would escape what follows).
func ValidUser(user string) bool {
	if strings.HasPrefix(user, "-") || strings.HasSuffix(user, `\`) {
		return false
	}
	for i := 0; i < len(user); i++ {
		c := user[i]
		if isCntrl(c) || strings.IndexByte(userMeta, c) >= 0 {
			return false
		}
		if c == ' ' && i+1 < len(user) && user[i+1] == '-' {
			return false
		}
	}
	return true
}

// isCntrl is C's iscntrl in the C locale. Blanks other than ' ' are
// control characters too, so this also covers isspace for the host.
func isCntrl(c byte) bool {
	return c < 0x20 || c == 0x7f
}

// NameKind says which name a NameError is about.
type NameKind int

const (
	// HostNameKind is a destination or jump host name.
	HostNameKind NameKind = iota
	// UserNameKind is a remote user name.
	UserNameKind
)

// NameError reports a host or user name from the command line that ssh
// refuses. Jump is set when the name came from a -J or command-line
// ProxyJump hop, which ssh reports through its jump parser rather than
// as a bad destination.
type NameError struct {
	Kind NameKind
	Name string
	Jump bool
}

func (e *NameError) Error() string {
	what := "host"
	if e.Kind == UserNameKind {
		what = "user"
	}
	where := "destination"
	if e.Jump {
		where = "jump hop"
	}
	return fmt.Sprintf("config: %s %s name %q contains shell metacharacters", where, what, e.Name)
}

// CheckNames checks the destination's user (when the command line set
// one) and host, in that order, as ssh.c does right after parsing its
// arguments.
func CheckNames(host, user string, hasUser bool) error {
	if hasUser && !ValidUser(user) {
		return &NameError{Kind: UserNameKind, Name: user}
	}
	if !ValidHostname(host) {
		return &NameError{Kind: HostNameKind, Name: host}
	}
	return nil
}

// CheckCommandLine applies req's command-line lines and checks the names
// they and req.Host give, without reading any file or running anything:
// the checks ssh makes before it reads its configuration, in its order.
// It returns the first bad -o line as a *ParseError, or a *NameError.
func CheckCommandLine(req Request) error {
	env, err := newEnvironment(&req)
	if err != nil {
		return err
	}
	p := &parser{env: env, o: newOptions(), host: req.Host, originalHost: req.Host}
	return p.commandLine(&req)
}

// CheckOptions applies lines as command-line options and returns the
// first bad one as a *ParseError (a *NameError inside it for a ProxyJump
// hop). ssh applies each -o while it parses its arguments, so cmd/gssh
// calls this when a -o ProxyJump arrives, to fail in ssh's order.
func CheckOptions(lines []string) error {
	env, err := newEnvironment(&Request{})
	if err != nil {
		return err
	}
	p := &parser{env: env, o: newOptions()}
	return p.applyCommandLine(lines)
}

// commandLine applies req.Options and checks the destination's names.
func (p *parser) commandLine(req *Request) error {
	if err := p.applyCommandLine(req.Options); err != nil {
		return err
	}
	p.quietFiles = p.o.int("loglevel", logInfo) < logError
	p.cmdLevel = LogLevel(p.o.int("loglevel", logInfo))
	return CheckNames(req.Host, p.o.str("user", ""), p.o.has("user"))
}

// applyCommandLine applies lines as -o options, stopping at the first bad
// one as ssh does.
func (p *parser) applyCommandLine(lines []string) error {
	for _, line := range lines {
		active := true
		err := p.processLine(line, cmdlineFile, 0, &active, lineFlags{cmdline: true, userConf: true})
		var le *lineError
		if errors.As(err, &le) {
			pe := toParseError(le, cmdlineFile, 0)
			pe.Bad = 1
			return fmt.Errorf("config: %w", pe)
		}
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// StrictJumpSpec is the part of a -J or command-line ProxyJump value that
// ssh parses: without a '#' comment and trailing blanks, and cut at the
// first blank after the first byte (measured: "a b@h" is the host "a",
// "  h" the host " "). Configuration files keep the whole value.
func StrictJumpSpec(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, cBlanks)
	if len(s) > 1 {
		if i := strings.IndexAny(s[1:], cBlanks); i >= 0 {
			s = s[:i+1]
		}
	}
	return s
}

// cBlanks are the bytes C's isspace accepts.
const cBlanks = " \t\n\v\f\r"

// CheckJumpHop checks the names of one command-line jump hop as
// parse_jump does: host first, then user (when the hop names one).
func CheckJumpHop(user, host string) error {
	if !ValidHostname(host) {
		return &NameError{Kind: HostNameKind, Name: host, Jump: true}
	}
	if user != "" && !ValidUser(user) {
		return &NameError{Kind: UserNameKind, Name: user, Jump: true}
	}
	return nil
}
