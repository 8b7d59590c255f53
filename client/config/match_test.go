package config

import (
	"strings"
	"testing"
	"time"
)

func TestMatchPatternSendEnv(t *testing.T) {
	for _, tc := range []struct {
		s, pattern string
		want       bool
	}{
		{"LANG", "LANG", true},
		{"LANGUAGE", "LANG", false},
		{"LC_ALL", "LC_*", true},
		{"LC_", "LC_*", true},
		{"XLC_ALL", "LC_*", false},
		{"lc_all", "LC_*", false}, // case-sensitive, unlike host patterns
		{"GSSH_A", "GSSH_?", true},
		{"GSSH_AB", "GSSH_?", false},
		{"abcabd", "*ab?", true},
		{"a*b", "a*b", true},
		{"ab", "a**b", true},
		{"", "*", true},
		{"", "?", false},
		{"[a]", "[a]", true}, // no character classes
		{"a", "[a]", false},
		{"LC_*", "LC_*", true}, // how "-LC_*" finds the pattern it removes
	} {
		if got := MatchPattern(tc.s, tc.pattern); got != tc.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tc.s, tc.pattern, got, tc.want)
		}
	}
}

// TestMatchPatternIsNotExponential: a hostile SendEnv or Host pattern
// must not stall the client.
func TestMatchPatternIsNotExponential(t *testing.T) {
	s := strings.Repeat("a", 5000)
	pattern := strings.Repeat("*a", 40) + "*b"
	start := time.Now()
	if MatchPattern(s, pattern) {
		t.Fatal("matched a string without b")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestMatchHostnameAndLists(t *testing.T) {
	for _, tc := range []struct {
		name, list string
		host, want bool
	}{
		{"Example.COM", "*.com", true, true},
		{"example.com", "*.COM", true, true},
		{"example.com", "*.COM", false, false},
		{"a.example.com", "*.example.com,!a.example.com", true, false},
		{"b.example.com", "*.example.com,!a.example.com", true, true},
		{"ssh-ed25519", "ssh-*,!ssh-rsa", false, true},
		{"ssh-rsa", "ssh-*,!ssh-rsa", false, false},
	} {
		got := MatchPatternList(tc.name, tc.list)
		if tc.host {
			got = MatchHostname(tc.name, tc.list)
		}
		if got != tc.want {
			t.Errorf("match(%q, %q, host=%v) = %v, want %v", tc.name, tc.list, tc.host, got, tc.want)
		}
	}
}
