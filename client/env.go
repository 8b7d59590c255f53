package client

import (
	"strings"

	"github.com/gssh/gssh/client/config"
)

// envVar is one "env" channel request (RFC 4254 §6.4).
type envVar struct {
	Name, Value string
}

// envRequests lists the variables a session sends, in ssh's order: first
// the local variables whose names match a SendEnv pattern, in environment
// order, then every SetEnv NAME=VALUE. Like ssh, a SendEnv entry "-pat"
// removes the earlier patterns that pat matches (the pattern text, not
// variable names), and entries without "=" are skipped.
func envRequests(environ, sendEnv, setEnv []string) []envVar {
	var patterns []string
	for _, p := range sendEnv {
		if rm, ok := strings.CutPrefix(p, "-"); ok {
			patterns = removeMatching(patterns, rm)
			continue
		}
		patterns = append(patterns, p)
	}
	var out []envVar
	if len(patterns) > 0 {
		for _, kv := range environ {
			name, value, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			for _, p := range patterns {
				if config.MatchPattern(name, p) {
					out = append(out, envVar{name, value})
					break
				}
			}
		}
	}
	for _, kv := range setEnv {
		if name, value, ok := strings.Cut(kv, "="); ok {
			out = append(out, envVar{name, value})
		}
	}
	return out
}

// removeMatching drops the patterns that rm matches, keeping the order of
// the rest (readconf.c rm_env).
func removeMatching(patterns []string, rm string) []string {
	kept := patterns[:0]
	for _, p := range patterns {
		if !config.MatchPattern(p, rm) {
			kept = append(kept, p)
		}
	}
	return kept
}

// lookupEnv returns the value of name in environ (NAME=VALUE entries), the
// first occurrence winning like getenv.
func lookupEnv(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}
