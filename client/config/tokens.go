package config

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"strings"
)

// percentExpand replaces %x tokens using keys, like misc.c percent_expand:
// "%%" is a literal percent and an unknown token or a trailing '%' is an
// error (fatal in OpenSSH).
func percentExpand(s string, keys map[byte]string) (string, error) {
	return expand(s, keys, nil)
}

// expand performs ${VAR} expansion when env is non-nil and %-token
// expansion when keys is non-nil, in one left-to-right scan as misc.c
// vdollar_percent_expand does, so text produced by one is never rescanned
// by the other.
func expand(s string, keys map[byte]string, env func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if env != nil && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", &expandError{msg: fmt.Sprintf("environment variable '%s' missing closing '}'", s[i+2:])}
			}
			name := s[i+2 : i+2+end]
			if name == "" {
				return "", &expandError{msg: "zero-length environment variable"}
			}
			v, ok := env(name)
			if !ok {
				return "", &expandError{msg: fmt.Sprintf("env var ${%s} has no value", name), missingVar: true}
			}
			b.WriteString(v)
			i += 2 + end
			continue
		}
		if c != '%' || keys == nil {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", &expandError{msg: "invalid format"}
		}
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := keys[s[i]]
		if !ok {
			return "", &expandError{msg: fmt.Sprintf("unknown key %%%c", s[i])}
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// expandError is a failed ${VAR} or % expansion; msg is what misc.c
// vdollar_percent_expand logs for it.
type expandError struct {
	msg        string
	missingVar bool
}

func (e *expandError) Error() string { return e.msg }

// expandFatal is the FatalError ssh gives when expanding a value for
// caller (misc.c percent_expand or, with ${ENV}, percent_dollar_expand)
// fails: vdollar_percent_expand's message, then the caller's, which for
// an unset variable is ssh.c's own. A tilde expansion's error is already
// fatal and passes through.
func expandFatal(err error, caller string) error {
	var ee *expandError
	if !errors.As(err, &ee) {
		return err
	}
	last := caller + ": failed"
	if ee.missingVar {
		last = "invalid environment variable expansion"
	}
	return &FatalError{Lines: []string{"vdollar_percent_expand: " + ee.msg, last}, Err: err}
}

// tildeExpand expands a leading "~" or "~user" like misc.c
// tilde_expand_filename: "~" and "~/" use home, "~name" and "~name/" look
// the user up, and the directory always ends in "/" ("~" alone is "$HOME/").
func tildeExpand(path, home string) (string, error) {
	if !strings.HasPrefix(path, "~") {
		return path, nil
	}
	rest := path[1:]
	name, tail, _ := strings.Cut(rest, "/")
	dir := home
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return "", fatal("tilde_expand: No such user %s", name)
		}
		dir = u.HomeDir
	}
	// OpenSSH avoids a doubled slash when the home directory is "/".
	return strings.TrimSuffix(dir, "/") + "/" + tail, nil
}

// connectionHash is the %C token of OpenSSH 9.2: the lowercase hex SHA-1
// of local hostname, remote host, port and remote user concatenated.
func connectionHash(thishost, host string, port int, ruser string) string {
	h := sha1.Sum([]byte(thishost + host + strconv.Itoa(port) + ruser))
	return hex.EncodeToString(h[:])
}

// tokens returns the client-side % tokens (ssh.c
// DEFAULT_CLIENT_PERCENT_EXPAND_ARGS) for a connection to host.
func (e *environment) tokens(host, original, ruser string, port int, keyAlias string) map[byte]string {
	short, _, _ := strings.Cut(e.thishost, ".")
	return map[byte]string{
		'C': connectionHash(e.thishost, host, port, ruser),
		'L': short,
		'i': e.uid,
		'k': keyAlias,
		'l': e.thishost,
		'n': original,
		'p': strconv.Itoa(port),
		'd': e.home,
		'h': host,
		'r': ruser,
		'u': e.localUser,
	}
}
