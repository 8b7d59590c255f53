package config

import (
	"errors"
	"strings"
	"testing"
)

// TestValidNames pins the character rules measured against Debian's
// 9.2p1-2+deb12u10 ssh: every byte 1-255 was tried at the start, in the
// middle and at the end of a host and a user.
func TestValidNames(t *testing.T) {
	for b := 1; b < 256; b++ {
		c := string(rune(b))
		if b >= 0x80 {
			c = string([]byte{byte(b)})
		}
		hostBad := b < 0x20 || b == 0x7f || b == ' ' || strings.Contains("'`\"$\\;&<>|(){},", c)
		if got := ValidHostname("a" + c + "b"); got == hostBad {
			t.Errorf("ValidHostname(a%qb) = %v", c, got)
		}
		userBad := b < 0x20 || b == 0x7f || strings.Contains("'`\";&<>|(){}", c)
		if got := ValidUser("a" + c + "b"); got == userBad {
			t.Errorf("ValidUser(a%qb) = %v", c, got)
		}
		if got := ValidUser("a" + c); got == (userBad || c == `\`) {
			t.Errorf("ValidUser(a%q) = %v", c, got)
		}
		if got := ValidUser("a " + c); got == (userBad || c == `\` || c == "-") {
			t.Errorf("ValidUser(a %q) = %v", c, got)
		}
	}
	for _, s := range []string{"-h", "-"} {
		if ValidHostname(s) || ValidUser(s) {
			t.Errorf("%q accepted", s)
		}
	}
	for _, s := range []string{"", "h", "h-", "é", "h%d", "1.2.3.4", "::1", "h_x.example."} {
		if !ValidHostname(s) {
			t.Errorf("ValidHostname(%q) = false", s)
		}
	}
	for _, s := range []string{"", "u", "u$x", `u\x`, "a b", "a-b", "a- b", "%d", "é"} {
		if !ValidUser(s) {
			t.Errorf("ValidUser(%q) = false", s)
		}
	}
}

// TestStrictJumpSpec: the part of a -J value ssh parses, as measured.
func TestStrictJumpSpec(t *testing.T) {
	for in, want := range map[string]string{
		"a b@h": "a", "  u@h": " ", " b@h": " b@h", " u@h x": " u@h", "u@h #c": "u@h", "u@h#c": "u@h",
		"#x": "", "a\tb@h": "a", "a b@h,x": "a", "x,a b@h": "x,a", "u@h  ": "u@h", "h": "h",
	} {
		if got := StrictJumpSpec(in); got != want {
			t.Errorf("StrictJumpSpec(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCommandLineNames: CheckCommandLine refuses the destination's user
// before its host, takes the user the first command-line line set, and
// checks command-line ProxyJump hops from the last to the first.
func TestCommandLineNames(t *testing.T) {
	cases := []struct {
		host  string
		lines []string
		want  *NameError // nil: accepted
		parse bool       // a *ParseError wrapping want
	}{
		{"h", nil, nil, false},
		{"h$(x)", nil, &NameError{Kind: HostNameKind, Name: "h$(x)"}, false},
		{"h$(x)", []string{`User "x'"`}, &NameError{Kind: UserNameKind, Name: "x'"}, false},
		{"h", []string{"User good", "User x;"}, nil, false},
		{"h", []string{"User x;", "User good"}, &NameError{Kind: UserNameKind, Name: "x;"}, false},
		{"h", []string{"ProxyJump j@h;x,k;@g"}, &NameError{Kind: UserNameKind, Name: "k;", Jump: true}, true},
		{"h", []string{"ProxyJump ssh://j%27@hop"}, &NameError{Kind: UserNameKind, Name: "j'", Jump: true}, true},
		{"h", []string{"ProxyJump j;@h$x"}, &NameError{Kind: HostNameKind, Name: "h$x", Jump: true}, true},
		{"h", []string{"ProxyJump good", "ProxyJump -j@h"}, &NameError{Kind: UserNameKind, Name: "-j", Jump: true}, true},
		{"h", []string{"ProxyJump a b@h"}, nil, false},
		{"h", []string{"Hostname x;y"}, nil, false},
	}
	for _, c := range cases {
		err := CheckCommandLine(Request{Host: c.host, Options: c.lines, HomeDir: t.TempDir(), LocalUser: "me"})
		var ne *NameError
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%q %q: %v", c.host, c.lines, err)
		case c.want == nil:
		case !errors.As(err, &ne) || *ne != *c.want:
			t.Errorf("%q %q: got %v, want %+v", c.host, c.lines, err, c.want)
		default:
			var pe *ParseError
			if errors.As(err, &pe) != c.parse {
				t.Errorf("%q %q: ParseError %v, want %v", c.host, c.lines, pe, c.parse)
			}
		}
	}
}

// FuzzNames: whatever the names, CheckNames never lets a shell
// metacharacter, control character or leading '-' through, and a name
// without any of them is accepted and comes back unchanged from the
// command-line lines that carry it.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"h", "x';touch /tmp/p;'", "h$(x)", "a b", "-x", `u\`, "é", "u -x", "h\n"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, host, user string) {
		err := CheckNames(host, user, true)
		var ne *NameError
		if err != nil && !errors.As(err, &ne) {
			t.Fatalf("CheckNames: %T %v", err, err)
		}
		hostShell := strings.HasPrefix(host, "-") || strings.ContainsAny(host, "'`\"$\\;&<>|(){}, \t\n\v\f\r\x7f") || hasCntrl(host)
		userShell := strings.HasPrefix(user, "-") || strings.HasSuffix(user, `\`) || strings.ContainsAny(user, "'`\";&<>|(){}\x7f") ||
			hasCntrl(user) || strings.Contains(user, " -")
		if (err == nil) == (hostShell || userShell) {
			t.Fatalf("CheckNames(%q, %q) = %v", host, user, err)
		}
		if err != nil || user == "" || strings.ContainsAny(user, "\"\\#=") || host == "" {
			return
		}
		p := &parser{env: &environment{env: map[string]string{}}, o: newOptions(), host: host}
		if err := p.commandLine(&Request{Host: host, Options: []string{`User "` + user + `"`}}); err != nil {
			t.Fatalf("accepted names refused through a line: %v", err)
		}
		if got := p.o.str("user", ""); got != user {
			t.Fatalf("User %q came back as %q", user, got)
		}
	})
}

func hasCntrl(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCntrl(s[i]) {
			return true
		}
	}
	return false
}
