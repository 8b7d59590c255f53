package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// MatchPattern is OpenSSH's match_pattern: '*' matches any run of bytes,
// '?' any single byte, everything else itself, case-sensitively (callers
// lowercase where OpenSSH does). Unlike path.Match there are no character
// classes or escapes. It is iterative with one backtrack point, so a
// hostile pattern such as "*a*a*a*b" cannot make it exponential.
func MatchPattern(s, pattern string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			si++
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// MatchPatternList reports whether s matches the comma-separated pattern
// list, where a matching "!pattern" vetoes the whole list (match.c
// match_pattern_list). Matching is case-sensitive.
func MatchPatternList(s, list string) bool {
	return matchPatternList(s, list, false) > 0
}

// MatchHostname is MatchPatternList ignoring case, as match.c
// match_hostname; known_hosts host fields use it.
func MatchHostname(host, list string) bool {
	return matchHostname(host, list) > 0
}

// matchPatternList matches s against a comma-separated pattern list in
// which "!pat" negates, like match.c match_pattern_list: 1 for a positive
// match, -1 when a negated pattern matches (which always wins), 0
// otherwise. With lower, the patterns are lowercased first.
func matchPatternList(s, list string, lower bool) int {
	got := 0
	for _, sub := range strings.Split(list, ",") {
		negated := strings.HasPrefix(sub, "!")
		if negated {
			sub = sub[1:]
		}
		if lower {
			sub = strings.ToLower(sub)
		}
		if MatchPattern(s, sub) {
			if negated {
				return -1
			}
			got = 1
		}
	}
	return got
}

// matchHostname is match.c match_hostname: a case-insensitive pattern list.
func matchHostname(host, list string) int {
	return matchPatternList(strings.ToLower(host), list, true)
}

// hostLineActive evaluates the patterns of a Host line against host. Any
// matching negated pattern rejects the block; otherwise one positive match
// accepts it. Host patterns are whole words, not comma lists, exactly as
// readconf.c treats them, and compared case-sensitively with the host as
// typed.
func hostLineActive(host string, patterns []string) bool {
	active := false
	for _, p := range patterns {
		negated := strings.HasPrefix(p, "!")
		if negated {
			p = p[1:]
		}
		if MatchPattern(host, p) {
			if negated {
				return false
			}
			active = true
		}
	}
	return active
}

// logHostLine logs a Host line's verdict as readconf.c does at -v: the
// negated pattern that vetoed the block, or the first pattern that
// matched.
func (p *parser) logHostLine(patterns []string, file string, line int) {
	first := ""
	for _, pat := range patterns {
		negated := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(pat, "!")
		if !MatchPattern(p.host, pat) {
			continue
		}
		if negated {
			p.debugf(LogDebug1, "%s line %d: Skipping Host block because of negated match for %s", cut200(file), line, cut100(pat))
			return
		}
		if first == "" {
			first = pat
		}
	}
	if first != "" {
		p.debugf(LogDebug1, "%s line %d: Applying options for %s", cut200(file), line, cut100(first))
	}
}

// cut200 is C's "%.200s" of s.
func cut200(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// errMatch marks a Match line OpenSSH rejects as a bad option.
var errMatch = errors.New("bad match condition")

// matchLine evaluates the criteria of a Match line (readconf.c
// match_cfg_line). It returns whether the block applies; errMatch after
// recording a message for criteria OpenSSH rejects; or another error for
// the fatal cases (a failing exec, bad % token).
func (p *parser) matchLine(criteria, file string, line int) (bool, string, error) {
	o := p.o
	port := o.int("port", 0)
	if port <= 0 {
		port = 22
	}
	ruser := o.str("user", p.env.localUser)
	var host string
	switch {
	case p.finalPass:
		host = o.str("hostname", "")
	case o.has("hostname"):
		h, err := percentExpand(o.str("hostname", ""), map[byte]string{'h': p.host})
		if err != nil {
			return false, "", expandFatal(err, "percent_expand")
		}
		host = h
	default:
		host = p.host
	}

	result := true
	attributes := 0
	cp := criteria
	for cp != "" {
		attrib, rest, _, ok := strdelim(cp)
		cp = rest
		if !ok || attrib == "" {
			break
		}
		if attrib[0] == '#' {
			cp = ""
			break
		}
		oattrib := attrib
		negate := attrib[0] == '!'
		if negate {
			attrib = attrib[1:]
		}
		la := strings.ToLower(attrib)
		if la == "all" {
			next, _, _, _ := strdelim(cp)
			if attributes > 1 || (next != "" && next[0] != '#') {
				return false, fmt.Sprintf("%s line %d: '%s' cannot be combined with other Match attributes", file, line, oattrib), errMatch
			}
			if result {
				result = !negate
			}
			return result, "", nil
		}
		attributes++
		if la == "canonical" || la == "final" {
			if la == "final" {
				p.wantFinal = true
			}
			if p.finalPass == negate {
				result = false
			}
			continue
		}
		arg, rest, _, ok := strdelim(cp)
		if !ok || arg == "" || arg[0] == '#' {
			return false, "Missing Match criteria for " + attrib, errMatch
		}
		cp = rest
		var r bool
		switch la {
		case "host":
			r = matchHostname(host, arg) == 1
		case "originalhost":
			r = matchHostname(p.originalHost, arg) == 1
		case "user":
			r = matchPatternList(ruser, arg, false) == 1
		case "localuser":
			r = matchPatternList(p.env.localUser, arg, false) == 1
		case "exec":
			if !result {
				// OpenSSH skips the command once an earlier
				// criterion failed.
				continue
			}
			cmd, err := percentExpand(arg, p.env.tokens(host, p.originalHost, ruser, port, o.str("hostkeyalias", host)))
			if err != nil {
				return false, "", expandFatal(err, "percent_expand")
			}
			ok, err := p.env.exec(cmd)
			var fe *FatalError
			if errors.As(err, &fe) {
				return false, "", err
			}
			if err != nil {
				return false, "", &FatalError{Lines: []string{err.Error(),
					fmt.Sprintf("%s line %d: match exec '%s' error", file, line, cmd)}, Err: err}
			}
			r = ok
		default:
			return false, "Unsupported Match attribute " + attrib, errMatch
		}
		if r == negate {
			result = false
		}
	}
	if attributes == 0 {
		return false, "One or more attributes required for Match", errMatch
	}
	return result, cp, nil
}

// runShell runs cmd with the user's shell (OpenSSH uses $SHELL, falling
// back to /bin/sh) and reports whether it exited 0. Stdin and stdout go to
// /dev/null as in readconf.c execute_in_shell; stderr is passed through so
// the user sees the command's complaints.
func runShell(shell, cmd string, env []string) (bool, error) {
	c := exec.Command(shell, "-c", cmd)
	c.Env = env
	c.Stderr = os.Stderr
	err := c.Run()
	if err == nil {
		return true, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.Exited() {
			return false, nil
		}
		return false, fmt.Errorf("command '%s' exited abnormally", cmd)
	}
	// readconf.c checks the shell with access(2) before forking and
	// gives up when it cannot run.
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return false, &FatalError{Lines: []string{fmt.Sprintf("Shell \"%s\" is not executable: %s", shell, Strerror(errno))}, Err: err}
	}
	return false, fmt.Errorf("Unable to execute '%s': %w", cmd, err)
}

// uidString is the %i token.
func uidString() string { return strconv.Itoa(os.Getuid()) }
