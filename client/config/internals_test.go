package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStrdelim(t *testing.T) {
	for _, tc := range []struct {
		in, word, rest string
		more, ok       bool
	}{
		{"a b", "a", "b", true, true},
		{"a=b", "a", "b", true, true},
		{"a = b", "a", "b", true, true},
		{"a  =  b c", "a", "b c", true, true},
		{"a==b", "a", "=b", true, true},
		{"a\tb", "a", "b", true, true},
		{`"a b" c`, "a b", "c", true, true},
		{`x"a b"c`, "xa b", "c", true, true},
		{`"open`, "", "", false, false},
		{"word", "word", "", false, true},
		{"", "", "", false, true},
	} {
		w, r, m, ok := strdelim(tc.in)
		if w != tc.word || r != tc.rest || m != tc.more || ok != tc.ok {
			t.Errorf("strdelim(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tc.in, w, r, m, ok, tc.word, tc.rest, tc.more, tc.ok)
		}
	}
}

func TestSplitKeyword(t *testing.T) {
	for _, tc := range []struct {
		in, kw, rest string
		more         bool
	}{
		{"Port 22", "port", "22", true},
		{"  PORT=22  \r\n", "port", "22", true},
		{"\tUser\t=\tx", "user", "x", true},
		{`"HostName" h`, "hostname", "h", true},
		{"Port", "port", "", false},
		{"Port   ", "port", "", false},
		{"Port =", "port", "", false},
		{"#Port 22", "", "", false},
		{"   # comment", "", "", false},
		{"\f", "", "", false},
		{`"Port 22`, "", "", false},
		{"ProxyCommand  ssh -W %h:%p  j  ", "proxycommand", "ssh -W %h:%p  j", true},
	} {
		kw, rest, more := splitKeyword(tc.in)
		if kw != tc.kw || rest != tc.rest || more != tc.more {
			t.Errorf("splitKeyword(%q) = %q, %q, %v; want %q, %q, %v", tc.in, kw, rest, more, tc.kw, tc.rest, tc.more)
		}
	}
}

func TestArgvSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // nil with ok=false for a quoting error
		ok   bool
	}{
		{"a b  c", []string{"a", "b", "c"}, true},
		{`"a b" c`, []string{"a b", "c"}, true},
		{`'a "b"' c`, []string{`a "b"`, "c"}, true},
		{`"a 'b'"`, []string{"a 'b'"}, true},
		{`a\ b`, []string{"a b"}, true},
		{`a\"b`, []string{`a"b`}, true},
		{`a\\b`, []string{`a\b`}, true},
		{`a\b`, []string{`a\b`}, true},
		{`"a\ b"`, []string{`a\ b`}, true},
		{`x"y z"w`, []string{"xy zw"}, true},
		{`""`, []string{""}, true},
		{`a # c d`, []string{"a"}, true},
		{`a#b`, []string{"a#b"}, true},
		{`"#a" b`, []string{"#a", "b"}, true},
		{"\ta\t", []string{"a"}, true},
		{`"open`, nil, false},
		{`'open`, nil, false},
		{`a "b`, nil, false},
		{`'a"`, nil, false},
		{"", nil, true},
	} {
		got, ok := argvSplit(tc.in)
		if ok != tc.ok || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("argvSplit(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTokens(t *testing.T) {
	e := &environment{home: "/home/u", localUser: "lu", uid: "1000", thishost: "box.example.org"}
	keys := e.tokens("real.host", "Typed", "ruser", 2222, "alias")
	for _, tc := range []struct{ in, want string }{
		{"%C", connectionHash("box.example.org", "real.host", 2222, "ruser")},
		{"%d", "/home/u"},
		{"%h", "real.host"},
		{"%i", "1000"},
		{"%k", "alias"},
		{"%L", "box"},
		{"%l", "box.example.org"},
		{"%n", "Typed"},
		{"%p", "2222"},
		{"%r", "ruser"},
		{"%u", "lu"},
		{"%%", "%"},
		{"%%h", "%h"},
		{"a%hb%pc", "areal.hostb2222c"},
		{"${V}-%h", "val-real.host"},
		{"$V", "$V"},
		{"%${V}", ""}, // "%$" is an unknown token
	} {
		got, err := expand(tc.in, keys, func(n string) (string, bool) { return "val", n == "V" })
		if tc.want == "" {
			if err == nil {
				t.Errorf("expand(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Tokens that exist only elsewhere (%T, %f, %H, %I, %K, %t) are
	// unknown to the client set.
	for _, tok := range []string{"%T", "%f", "%H", "%I", "%K", "%t", "%z", "%"} {
		_, err := percentExpand("x"+tok, keys)
		var ee *expandError
		if !errors.As(err, &ee) {
			t.Errorf("percentExpand(%q) error = %v", tok, err)
		}
	}
	if got, _ := percentExpand("${HOME}", keys); got != "${HOME}" {
		t.Errorf("percentExpand expanded ${HOME}: %q", got)
	}
	if got, _ := expand("%h", nil, func(string) (string, bool) { return "", false }); got != "%h" {
		t.Errorf("expand without keys changed %%h: %q", got)
	}
	// The hash is SHA-1 of %l%h%p%r.
	if got := connectionHash("l", "h", 1, "r"); got != "50f31e79c69989cb0639673567de7484a3f2bddb" {
		t.Errorf("connectionHash = %s, want sha1(\"lh1r\")", got)
	}
	if connectionHash("l", "h", 1, "r") == connectionHash("l", "h", 11, "r") {
		t.Error("port not hashed")
	}
}

func TestTildeExpand(t *testing.T) {
	for _, tc := range []struct{ in, home, want string }{
		{"~", "/h", "/h/"},
		{"~", "/", "/"},
		{"~root", "/h", "/root/"},
		{"~/x", "/h", "/h/x"},
		{"~/x", "/", "/x"},
		{"/abs/~", "/h", "/abs/~"},
		{"x~", "/h", "x~"},
		{"~root/x", "/h", "/root/x"},
	} {
		got, err := tildeExpand(tc.in, tc.home)
		if err != nil || got != tc.want {
			t.Errorf("tildeExpand(%q, %q) = %q, %v; want %q", tc.in, tc.home, got, err, tc.want)
		}
	}
	if _, err := tildeExpand("~gssh-no-such-user/x", "/h"); err == nil {
		t.Error("unknown user accepted")
	}
}

func TestHostLineActive(t *testing.T) {
	for _, tc := range []struct {
		host     string
		patterns []string
		want     bool
	}{
		{"web1", []string{"web*"}, true},
		{"web1", []string{"!web1", "web*"}, false},
		{"web1", []string{"web*", "!web1"}, false},
		{"web2", []string{"web*", "!web1"}, true},
		{"x", []string{"!y"}, false},
		{"x", []string{"!y", "*"}, true},
		{"a", []string{"a,b"}, false}, // Host patterns are not comma lists
		{"a,b", []string{"a,b"}, true},
		{"Web", []string{"web"}, false}, // case-sensitive against the typed host
		{"10.0.0.1", []string{"10.0.0.?"}, true},
		{"", []string{"*"}, true},
		{"h", nil, false},
	} {
		if got := hostLineActive(tc.host, tc.patterns); got != tc.want {
			t.Errorf("hostLineActive(%q, %q) = %v, want %v", tc.host, tc.patterns, got, tc.want)
		}
	}
}

// resolveTree resolves host against a -F file with extra files around it
// ("@DIR@" is the directory), with a fake resolver knowing only names.
func resolveTree(t *testing.T, files map[string]string, host string, names map[string]bool, opts ...string) (*Config, error) {
	t.Helper()
	dir := writeFiles(t, files)
	return Resolve(Request{Host: host, ConfigFile: filepath.Join(dir, "cfg"), Options: opts,
		HomeDir: "/home/u", LocalUser: "u", Env: map[string]string{"HOME": "/home/u"},
		LookupHost: func(h string) ([]string, error) {
			if names[h] {
				return []string{"192.0.2.1"}, nil
			}
			return nil, errors.New("no such host")
		}})
}

func TestIncludeGlobOrder(t *testing.T) {
	c, err := resolveTree(t, map[string]string{
		"cfg":          "SendEnv MAIN0\nInclude @DIR@/d/*.conf @DIR@/x.conf\nSendEnv MAIN1\n",
		"d/b.conf":     "SendEnv B\n",
		"d/a.conf":     "SendEnv A\nInclude @DIR@/d/sub/*\n",
		"d/sub/2":      "SendEnv SUB2\n",
		"d/sub/10":     "SendEnv SUB10\n",
		"d/C.conf":     "SendEnv C\n",
		"d/.dot.conf":  "SendEnv HIDDEN\n",
		"d/skip.txt":   "SendEnv TXT\n",
		"x.conf":       "SendEnv X\n",
		"d/sub/.z":     "SendEnv HIDDEN2\n",
		"d/.hide/a.co": "",
	}, "h", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Byte order (upper case first), depth first, hidden files skipped.
	want := "MAIN0 C A SUB10 SUB2 B X MAIN1"
	if got := strings.Join(c.SendEnv, " "); got != want {
		t.Errorf("SendEnv = %q, want %q", got, want)
	}
}

func TestHiddenByGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, match string
		want           bool
	}{
		{"/d/*", "/d/.x", true},
		{"/d/.*", "/d/.x", false},
		{"/d/*/c", "/d/.h/c", true},
		{"/d/.h/*", "/d/.h/c", false},
		{"/home/u/.ssh/conf.d/*", "/home/u/.ssh/conf.d/a", false},
		{"/d/x", "/d/x", false},
	} {
		if got := hiddenByGlob(tc.pattern, tc.match); got != tc.want {
			t.Errorf("hiddenByGlob(%q, %q) = %v", tc.pattern, tc.match, got)
		}
	}
}

// TestMatchFinalAndCanonical pins the order of the two passes: the first
// pass sees the typed host, "canonical" and "final" blocks apply only in
// the second, which sees the canonical name, and values set in the first
// pass keep precedence.
func TestMatchFinalAndCanonical(t *testing.T) {
	files := map[string]string{"cfg": `
CanonicalizeHostname yes
CanonicalDomains example.com example.org
Host web
  User first
Match canonical host web.example.org
  Port 2001
  User ignored
Match !canonical
  SendEnv FIRSTPASS
Match final
  SendEnv FINAL
Host web.example.org
  IdentityFile /canonical-key
Match final !canonical
  SendEnv NEVER
Match canonical final
  SendEnv BOTH
`}
	c, err := resolveTree(t, files, "web", map[string]bool{"web.example.org.": true})
	if err != nil {
		t.Fatal(err)
	}
	if c.HostName != "web.example.org" || c.Port != 2001 || c.User != "first" {
		t.Errorf("HostName %q Port %d User %q", c.HostName, c.Port, c.User)
	}
	if got := strings.Join(c.SendEnv, " "); got != "FIRSTPASS FINAL BOTH" {
		t.Errorf("SendEnv = %q", got)
	}
	if strings.Join(c.IdentityFiles, " ") != "/canonical-key" {
		t.Errorf("IdentityFiles = %q", c.IdentityFiles)
	}

	// The first domain that resolves wins; a trailing dot is removed.
	c, err = resolveTree(t, files, "web", map[string]bool{"web.example.com.": true, "web.example.org.": true})
	if err != nil || c.HostName != "web.example.com" {
		t.Fatalf("HostName = %v, %v", c, err)
	}
	// Nothing resolves: the fallback keeps the typed name, and the
	// second pass still runs.
	c, err = resolveTree(t, files, "web", nil)
	if err != nil || c.HostName != "web" || strings.Join(c.SendEnv, " ") != "FIRSTPASS FINAL BOTH" {
		t.Fatalf("fallback: %v, %v", c, err)
	}
	// A fully qualified name is looked up as is.
	c, err = resolveTree(t, files, "web.example.net.", map[string]bool{"web.example.net.": true})
	if err != nil || c.HostName != "web.example.net" {
		t.Fatalf("trailing dot: %v, %v", c, err)
	}
	// With a ProxyJump, "yes" does not canonicalize but "always" does.
	c, err = resolveTree(t, files, "web", map[string]bool{"web.example.com.": true}, "ProxyJump j")
	if err != nil || c.HostName != "web" {
		t.Fatalf("proxied yes: %v, %v", c, err)
	}
	c, err = resolveTree(t, files, "web", map[string]bool{"web.example.com.": true}, "ProxyJump j", "CanonicalizeHostname always")
	if err != nil || c.HostName != "web.example.com" {
		t.Fatalf("proxied always: %v, %v", c, err)
	}
	// Match final alone asks for the second pass without canonicalizing.
	c, err = resolveTree(t, map[string]string{"cfg": "Host a\n HostName b\nMatch final host b\n User fin\nHost b\n Port 7\n"}, "a", nil)
	if err != nil || c.User != "fin" || c.Port != 7 {
		t.Fatalf("final pass: %v, %v", c, err)
	}
}

// TestSendEnvRemoval: "-pattern" removes what earlier, higher-precedence
// lines added; later lines may add the name again.
func TestSendEnvRemoval(t *testing.T) {
	for _, tc := range []struct {
		opts []string
		file string
		want string
	}{
		{nil, "SendEnv A B C\nSendEnv -B\n", "A C"},
		{nil, "SendEnv -B\nSendEnv A B C\n", "A B C"},
		{nil, "SendEnv LC_A LC_B LANG\nSendEnv -LC_*\n", "LANG"},
		{nil, "SendEnv A* B\nSendEnv -A*\n", "B"},
		{nil, "SendEnv AX B\nSendEnv -A?\n", "B"},
		{nil, "SendEnv A B -A C\n", "B C"},
		{[]string{"SendEnv CLI"}, "SendEnv -CLI FILE\n", "FILE"},
		{[]string{"SendEnv -FILE"}, "SendEnv FILE\n", "FILE"},
		{nil, "SendEnv A A\n", "A A"},
		{nil, "Host other\n SendEnv X\nHost *\n SendEnv -A\n SendEnv Y\n", "Y"},
	} {
		c, err := resolveTree(t, map[string]string{"cfg": tc.file}, "h", nil, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(c.SendEnv, " "); got != tc.want {
			t.Errorf("opts %q file %q: SendEnv = %q, want %q", tc.opts, tc.file, got, tc.want)
		}
	}
}

// TestAccumulationOrder: list keywords collect values in precedence
// order: -o lines, then ~/.ssh/config, then the system file; duplicates
// are dropped; single-valued keywords keep the first value.
func TestAccumulationOrder(t *testing.T) {
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, ".ssh", "config"), `IdentityFile ~/user1
CertificateFile ~/ucert
Include extra.conf
IdentityFile ~/cli
LocalForward 2 h:2
SendEnv USER
SetEnv U=1
User fromuser
UserKnownHostsFile ~/ukh
`)
	write(filepath.Join(home, ".ssh", "extra.conf"), "IdentityFile ~/included\n")
	sys := filepath.Join(home, "system")
	write(sys, `IdentityFile ~/system
CertificateFile ~/scert
LocalForward 3 h:3
LocalForward 1 h:1
SendEnv SYS
SetEnv S=1
User fromsystem
UserKnownHostsFile ~/skh
`)
	c, err := Resolve(Request{Host: "h", HomeDir: home, LocalUser: "u", SystemConfig: sys, Env: map[string]string{},
		Options: []string{"IdentityFile ~/cli", "LocalForward 1 h:1", "SendEnv CLI", "IdentityFile=~/cli2"}})
	if err != nil {
		t.Fatal(err)
	}
	rel := func(list []string) string {
		return strings.ReplaceAll(strings.Join(list, " "), home+"/", "~/")
	}
	for _, tc := range []struct{ name, got, want string }{
		{"IdentityFiles", rel(c.IdentityFiles), "~/cli ~/cli2 ~/user1 ~/included ~/system"},
		{"CertificateFiles", rel(c.CertificateFiles), "~/ucert ~/scert"},
		{"LocalForwards", gForms(c.LocalForwards), "1 [h]:1,2 [h]:2,3 [h]:3"},
		{"SendEnv", strings.Join(c.SendEnv, " "), "CLI USER SYS"},
		{"SetEnv", strings.Join(c.SetEnv, " "), "U=1"},
		{"User", c.User, "fromuser"},
		{"UserKnownHostsFiles", rel(c.UserKnownHostsFiles), "~/ukh"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if !c.IdentityFilesSet {
		t.Error("IdentityFilesSet = false")
	}
}

// TestParseErrorCounts: every bad line of a file is counted and the first
// one is reported; -o stops at the first.
func TestParseErrorCounts(t *testing.T) {
	_, err := resolveTree(t, map[string]string{"cfg": "Port x\nUser ok\nFoo 1\nBatchMode maybe\n"}, "h", nil)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Bad != 3 || pe.Msg != "Bad port 'x'." {
		t.Fatalf("err = %v (%+v)", err, pe)
	}
	if !strings.HasSuffix(pe.Terminating(), ": terminating, 3 bad configuration options") {
		t.Errorf("Terminating() = %q", pe.Terminating())
	}
	// A bad line inside an inactive block still counts.
	_, err = resolveTree(t, map[string]string{"cfg": "Host other\n Port x\n"}, "h", nil)
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("inactive block: %v", err)
	}
	// An unknown keyword uses the "FILE: line N:" spelling.
	_, err = resolveTree(t, map[string]string{"cfg": "Foo 1\n"}, "h", nil)
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "/cfg: line 1: Bad configuration option: foo") {
		t.Fatalf("unknown keyword: %v", err)
	}
	// PermitRemoteOpen's port check is fatal in OpenSSH: no count line.
	_, err = resolveTree(t, map[string]string{"cfg": "PermitRemoteOpen h:x\n"}, "h", nil)
	if !errors.As(err, &pe) || pe.Terminating() != "" {
		t.Fatalf("fatal line: %v, %q", err, pe.Terminating())
	}
}

// TestValueParsers covers the small value parsers against the values
// OpenSSH's C functions give.
func TestValueParsers(t *testing.T) {
	for in, want := range map[string]string{"0777": "0777", "0999": "0", " 7x": "7", "x": "", "-1": "-1", "+5": "+5", "": ""} {
		if got := octalPrefix(in); got != want {
			t.Errorf("octalPrefix(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]int64{"16": 16, "1K": 1024, "1k": 1024, "1.5K": 1536, "2M": 2 << 20, "1G": 1 << 30, "1T": 1 << 40, "0": 0, "-1": -1} {
		if got, ok := scanScaled(in); !ok || got != want {
			t.Errorf("scanScaled(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "x", "1Q", "K", "1e3", "0x10", "NaN"} {
		if _, ok := scanScaled(bad); ok {
			t.Errorf("scanScaled(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int{"af21": 0x48, "CS1": 0x20, "le": 0x04, "ef": 0xb8, "0x10": 0x10, "46": 46, "255": 255, "none": 1<<31 - 1, "256": -1, "x": -1, "": -1} {
		if got := parseIPQoS(in); got != want {
			t.Errorf("parseIPQoS(%q) = %#x, want %#x", in, got, want)
		}
	}
	for in, want := range map[string]string{"example.com": "example.com", "Example.COM.": "example.com", "a_b-c": "a_b-c"} {
		if got, msg := validDomain(in); got != want || msg != "" {
			t.Errorf("validDomain(%q) = %q, %q", in, got, msg)
		}
	}
	for _, bad := range []string{"", ".a", "-a", "a..b", "a!b", "a b"} {
		if _, msg := validDomain(bad); msg == "" {
			t.Errorf("validDomain(%q) accepted", bad)
		}
	}
	for _, tc := range []struct {
		in     string
		l, r   int
		wantOK bool
	}{
		{"1", 1, tunAny, true}, {"any", tunAny, tunAny, true}, {"1:2", 1, 2, true},
		{"any:3", tunAny, 3, true}, {"x", 0, 0, false}, {"1:x", 0, 0, false}, {"-1", 0, 0, false},
	} {
		l, r, ok := a2tun(tc.in)
		if ok != tc.wantOK || (ok && (l != tc.l || r != tc.r)) {
			t.Errorf("a2tun(%q) = %d, %d, %v", tc.in, l, r, ok)
		}
	}
	for in, want := range map[string]int{"22": 22, "ssh": 22, "65535": 65535, "65536": -1, "0": 0, "x-no-such": -1, "-1": -1, "+22": -1} {
		if got := a2port(in); got != want {
			t.Errorf("a2port(%q) = %d, want %d", in, got, want)
		}
	}
}
