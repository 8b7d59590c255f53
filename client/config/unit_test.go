package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		s, p string
		want bool
	}{
		{"web1", "web?", true}, {"web12", "web?", false}, {"a.example.com", "*.example.com", true},
		{"example.com", "*.example.com", false}, {"x", "*", true}, {"", "*", true},
		{"abc", "a*c", true}, {"abc", "a*b", false}, {"ABC", "abc", false}, {"a*b", "a*b", true},
	}
	for _, tt := range tests {
		if got := MatchPattern(tt.s, tt.p); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v", tt.s, tt.p, got)
		}
	}
}

func TestMatchPatternList(t *testing.T) {
	tests := []struct {
		s, list string
		want    int
	}{
		{"db1", "db*,!db2", 1}, {"db2", "db*,!db2", -1}, {"x", "a,b", 0}, {"x", "!y", 0},
		{"host", "HOST", 0},
	}
	for _, tt := range tests {
		if got := matchPatternList(tt.s, tt.list, false); got != tt.want {
			t.Errorf("matchPatternList(%q, %q) = %d, want %d", tt.s, tt.list, got, tt.want)
		}
	}
	if matchHostname("HoSt", "host") != 1 || matchHostname("host", "HOST") != 1 {
		t.Error("matchHostname must ignore case")
	}
}

func TestStrdelimAndArgvSplit(t *testing.T) {
	for _, tt := range []struct{ in, kw, rest string }{
		{"Port 22", "port", "22"}, {"Port=22", "port", "22"}, {"Port = 22", "port", "22"},
		{"  Port\t22", "port", "22"}, {"# c", "", ""}, {"", "", ""},
	} {
		kw, rest, _ := splitKeyword(tt.in)
		if kw != tt.kw || rest != tt.rest {
			t.Errorf("splitKeyword(%q) = %q, %q", tt.in, kw, rest)
		}
	}
	args, ok := argvSplit(`a "b c" 'd e' f\ g # comment`)
	if !ok || strings.Join(args, "|") != "a|b c|d e|f g" {
		t.Errorf("argvSplit = %q %v", args, ok)
	}
	if _, ok := argvSplit(`"open`); ok {
		t.Error("unterminated quote accepted")
	}
}

func TestConvtime(t *testing.T) {
	for in, want := range map[string]int{"90": 90, "1h30m": 5400, "2d": 172800, "1w": 604800, "x": -1, "": -1, "5q": -1, "10S": 10} {
		if got := convtime(in); got != want {
			t.Errorf("convtime(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestExpand(t *testing.T) {
	env := func(n string) (string, bool) { return map[string]string{"X": "ex"}[n], n == "X" }
	got, err := expand("%h-%%-${X}", map[byte]string{'h': "host"}, env)
	if err != nil || got != "host-%-ex" {
		t.Errorf("expand = %q, %v", got, err)
	}
	for _, bad := range []string{"%z", "%", "${NOPE}", "${X"} {
		if _, err := expand(bad, map[byte]string{'h': "h"}, env); err == nil {
			t.Errorf("expand(%q) succeeded", bad)
		}
	}
	if h := connectionHash("l", "h", 22, "r"); len(h) != 40 || h != strings.ToLower(h) {
		t.Errorf("connectionHash = %q", h)
	}
}

func resolveText(t *testing.T, text string, opts ...string) (*Config, error) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return Resolve(Request{Host: "h", ConfigFile: cfg, Options: opts, HomeDir: "/home/u", LocalUser: "u",
		Env: map[string]string{"HOME": "/home/u"}})
}

func TestResolveTyped(t *testing.T) {
	c, err := resolveText(t, "Host h\n HostName Example.ORG\n Port 2200\n ServerAliveInterval 5\n IdentityFile ~/.ssh/k-%h\n ControlPersist 1m\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.HostName != "example.org" || c.Port != 2200 || c.ServerAliveInterval != 5*time.Second ||
		c.IdentityFiles[0] != "/home/u/.ssh/k-example.org" || !c.IdentityFilesSet ||
		c.ControlPersist != time.Minute || !c.ControlPersistSet || c.User != "u" {
		t.Errorf("unexpected config: %+v", c)
	}
}

// TestControlMasterTyped: each ControlMaster word resolves to its value,
// which prints as ssh -G prints it.
func TestControlMasterTyped(t *testing.T) {
	for _, tc := range []struct {
		word string
		want ControlMaster
		g    string
	}{
		{"no", ControlMasterNo, "false"},
		{"yes", ControlMasterYes, "true"},
		{"ask", ControlMasterAsk, "ask"},
		{"auto", ControlMasterAuto, "auto"},
		{"autoask", ControlMasterAutoAsk, "autoask"},
	} {
		c, err := resolveText(t, "ControlMaster "+tc.word+"\n")
		if err != nil {
			t.Fatal(err)
		}
		if c.ControlMaster != tc.want || c.ControlMaster.String() != tc.g {
			t.Errorf("ControlMaster %s = %d (%s), want %d (%s)", tc.word, c.ControlMaster, c.ControlMaster, tc.want, tc.g)
		}
	}
	if c, _ := resolveText(t, ""); c.ControlMaster != ControlMasterNo {
		t.Errorf("default ControlMaster = %s, want no", c.ControlMaster)
	}
}

func TestServerAliveDefault(t *testing.T) {
	c, err := resolveText(t, "")
	if err != nil || c.ServerAliveInterval != 15*time.Second || c.ServerAliveCountMax != 3 {
		t.Fatalf("default keepalive = %v, %v", c, err)
	}
	c, err = resolveText(t, "ServerAliveInterval 0\n")
	if err != nil || c.ServerAliveInterval != 0 {
		t.Fatalf("ServerAliveInterval 0 = %v, %v", c.ServerAliveInterval, err)
	}
}

func TestIncludeDepthLimit(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "loop")
	if err := os.WriteFile(self, []byte("Include "+self+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(Request{Host: "h", ConfigFile: self, HomeDir: dir, LocalUser: "u", Env: map[string]string{}})
	if err == nil || !strings.Contains(err.Error(), "Too many recursive configuration includes") {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	_, err := resolveText(t, "Port 22\n\nPort abc\nFoo x\n")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || pe.Bad != 2 || !strings.HasSuffix(pe.Error(), "line 3: Bad port 'abc'.") {
		t.Fatalf("err = %v (%+v)", err, pe)
	}
	_, err = resolveText(t, "", "Port abc")
	if !errors.As(err, &pe) || pe.Error() != "command-line line 0: Bad port 'abc'." || pe.Terminating() != "" {
		t.Fatalf("-o err = %v", err)
	}
	if _, err := Resolve(Request{Host: "h", ConfigFile: "/nonexistent/cfg", HomeDir: "/", LocalUser: "u"}); err == nil {
		t.Fatal("missing -F file accepted")
	}
}

func TestUnsupportedWarns(t *testing.T) {
	c, err := resolveText(t, "RSAAuthentication yes\n")
	if err != nil || len(c.Warnings) != 1 {
		t.Fatalf("warnings = %v, %v", c, err)
	}
}

func TestWriteGNeedsResolve(t *testing.T) {
	if err := (&Config{}).WriteG(os.Stdout); err == nil {
		t.Fatal("WriteG on a bare Config succeeded")
	}
}

func TestDocsListEveryKeyword(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config-keywords.md")
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(string(doc))
	for name := range keywords {
		if !strings.Contains(lower, "| "+name+" ") && !strings.Contains(lower, "`"+name+"`") {
			t.Errorf("docs/config-keywords.md does not mention %s", name)
		}
	}
}

// FuzzParse feeds arbitrary configuration text through Resolve and
// WriteG: no panic, and the -G round trip holds: the -G output, read back
// as a configuration file for the same host, prints the same -G output
// (roundTripG says where OpenSSH's own output cannot be read back).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Host *\n Port 22\n", "Match host a exec \"true\"\n", "LocalForward [::1]:1 /x\n", "Key=\"v", "ProxyJump a,b@c:1\n"} {
		f.Add(s)
	}
	// Real-world files (testdata/realworld) and every differential case.
	for _, s := range realWorldConfigs(f) {
		f.Add(s)
	}
	for _, tc := range diffCases {
		f.Add(withoutUnsafeLines(tc.files["cfg"]))
	}
	for _, tc := range blockCases {
		f.Add(withoutUnsafeLines(tc.files["cfg"]))
	}
	for name, values := range keywordValues {
		for _, v := range values {
			f.Add(name + " " + v + "\n")
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		if fuzzUnsafe(text) {
			return // no commands or file access from fuzz input
		}
		first, err := fuzzG(t, text)
		if err != nil {
			return
		}
		if !roundTrips(first) {
			return
		}
		second, err := fuzzG(t, first)
		if err != nil {
			t.Fatalf("-G output does not read back: %v\ninput: %q\n-G:\n%s", err, text, first)
		}
		if second != first {
			t.Fatalf("-G round trip differs\ninput: %q\n%s", text, lineDiff(first, second))
		}
	})
}

// gMultiWord are the -G keywords whose value is several words or the
// rest of the line; any other value with a blank came from quotes.
var gMultiWord = map[string]bool{
	"globalknownhostsfile": true, "userknownhostsfile": true, "ipqos": true, "rekeylimit": true,
	"localforward": true, "remoteforward": true, "permitremoteopen": true, "canonicaldomains": true,
	"canonicalizepermittedcnames": true, "logverbose": true, "proxycommand": true, "remotecommand": true,
	"localcommand": true, "knownhostscommand": true, "addkeystoagent": true,
}

// fuzzG resolves text as the -F file for host "h" and returns -G's
// output.
func fuzzG(t *testing.T, text string) (string, error) {
	cfg := filepath.Join(t.TempDir(), "cfg")
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Resolve(Request{Host: "h", ConfigFile: cfg, HomeDir: "/home/u", LocalUser: "u", Env: map[string]string{},
		LookupHost: func(string) ([]string, error) { return nil, os.ErrNotExist }})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := c.WriteG(&b); err != nil {
		t.Fatalf("WriteG after Resolve: %v", err)
	}
	return b.String(), nil
}

// roundTrips reports whether a -G output can be read back unchanged at
// all: values -G prints after expanding tokens or ${ENV} come back with
// any literal '%' or '$' they produced expanded again, in ssh as in
// gssh, values -G prints unquoted lose the quotes that kept their blanks
// together, and some forwards print in a form -G alone uses.
func roundTrips(g string) bool {
	for _, l := range strings.Split(g, "\n") {
		k, v, _ := strings.Cut(l, " ")
		if strings.ContainsAny(v, "\"'\\") || (strings.ContainsAny(v, " \t") && !gMultiWord[k]) {
			return false
		}
		// ssh -G also prints a forward to a Unix socket as a
		// dynamicforward line, which reads back as one, and a dynamic
		// RemoteForward as "[socks]:0", which does not read back (gssh
		// prints both as ssh does).
		if f := strings.Fields(v); (k == "localforward" || k == "remoteforward") && len(f) == 2 &&
			(!strings.Contains(f[1], ":") || f[1] == "[socks]:0") {
			return false
		}
		switch k {
		case "controlpath", "remotecommand", "identityagent", "forwardagent", "userknownhostsfile",
			"hostname", "localforward", "remoteforward", "dynamicforward":
			if strings.ContainsAny(v, "%$") {
				return false
			}
		}
	}
	return true
}
