package config

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxIncludeDepth is readconf.c READCONF_MAX_DEPTH.
const maxIncludeDepth = 16

// readFile applies one configuration file (readconf.c
// read_config_file_depth). found is false when the file does not exist.
// Bad lines are all counted, and the first is returned as a *ParseError.
func (p *parser) readFile(path string, fl lineFlags, checkPerm bool, active *bool) (found bool, err error) {
	if fl.depth > maxIncludeDepth {
		return false, fatal("Too many recursive configuration includes")
	}
	f, err := os.Open(path)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	if checkPerm {
		st, err := f.Stat()
		if err != nil {
			return true, fmt.Errorf("fstat %s: %w", path, err)
		}
		if !permOK(st) {
			return true, fatal("Bad owner or permissions on %s", path)
		}
	}
	p.debugf(LogDebug1, "Reading configuration data %s", cut200(path))
	var first *ParseError
	bad := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		err := p.processLine(sc.Text(), path, n, active, fl)
		var le *lineError
		if errors.As(err, &le) {
			bad++
			if first == nil {
				first = toParseError(le, path, n)
			}
			continue
		}
		if err != nil {
			return true, err
		}
	}
	// A read error ends the file silently, as getline(3) failing does in
	// OpenSSH: a directory (given to -F or matched by an Include glob)
	// reads as empty. Only gssh's own line-length limit is an error.
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return true, fmt.Errorf("reading %s: %w", path, err)
	}
	if first != nil {
		first.Bad = bad
		return true, first
	}
	return true, nil
}

func toParseError(le *lineError, file string, line int) *ParseError {
	pe := &ParseError{File: file, Line: line, colon: le.colon, bare: le.bare, Detail: le.detail, fatal: le.fatal, Err: le.cause}
	pe.Msg = le.msg
	if !le.colon && !le.bare {
		// lineError messages carry OpenSSH's "FILE line N: " prefix;
		// keep only the message part in Msg.
		prefix := fmt.Sprintf("%s line %d: ", file, line)
		pe.Msg = strings.TrimPrefix(le.msg, prefix)
	}
	return pe
}

// cut100 is C's "%.100s" of s.
func cut100(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// include handles an Include line: relative paths are relative to ~/.ssh
// for user files and /etc/ssh for the system file, each argument is a
// glob, files are read in sorted order, and an include inside an inactive
// block is only checked for syntax (SSHCONF_NEVERMATCH).
func (p *parser) include(c *lineCtx, active *bool) error {
	for _, arg := range c.args {
		if arg == "" {
			return c.errf("keyword %s empty argument", c.keyword)
		}
		if arg[0] == '~' && !c.fl.userConf {
			return c.errf("bad include path %s.", arg)
		}
		pattern := arg
		if !filepath.IsAbs(arg) && arg[0] != '~' {
			if c.fl.userConf {
				pattern = filepath.Join(p.env.home, ".ssh", arg)
			} else {
				pattern = filepath.Join("/etc/ssh", arg)
			}
		} else if arg[0] == '~' {
			t, err := tildeExpand(arg, p.env.home)
			if err != nil {
				return c.errf("glob failed for %s.", arg)
			}
			pattern = t
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return c.errf("glob failed for %s.", pattern)
		}
		wasActive := *active
		for _, m := range matches {
			if hiddenByGlob(pattern, m) {
				continue
			}
			fl := c.fl
			fl.depth++
			fl.neverMatch = fl.neverMatch || !wasActive
			found, err := p.readFile(m, fl, true, active)
			if err != nil {
				return err
			}
			if !found {
				// readconf.c: a file that exists but cannot be opened
				// makes the Include line a bad line (its message bare,
				// the path cut at 100 bytes as "%.100s" does).
				f, err := os.Open(m)
				if err == nil {
					f.Close()
				} else if !errors.Is(err, fs.ErrNotExist) {
					le := lineErr("Can't open user config file %s: %s", cut100(m), Strerror(err))
					le.bare = true
					return le
				}
			}
			// Match lines in an included file must not change the
			// including file's block state.
			*active = wasActive
		}
	}
	c.args = nil
	return nil
}

// hiddenByGlob reports whether glob(3), which OpenSSH uses, would skip
// match: a wildcard does not match a leading '.' of a path component
// (filepath.Glob matches it).
func hiddenByGlob(pattern, match string) bool {
	pc := strings.Split(filepath.Clean(pattern), "/")
	mc := strings.Split(match, "/")
	if len(pc) != len(mc) {
		return false
	}
	for i, c := range mc {
		if strings.HasPrefix(c, ".") && !strings.HasPrefix(pc[i], ".") {
			return true
		}
	}
	return false
}
