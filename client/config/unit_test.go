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
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(strings.ToLower(text), "exec") || strings.Contains(strings.ToLower(text), "include") {
			return // no commands or file access from fuzz input
		}
		cfg := filepath.Join(t.TempDir(), "cfg")
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Resolve(Request{Host: "h", ConfigFile: cfg, HomeDir: "/home/u", LocalUser: "u", Env: map[string]string{},
			LookupHost: func(string) ([]string, error) { return nil, os.ErrNotExist }})
		if err == nil {
			_ = c.WriteG(&strings.Builder{})
		}
	})
}
