//go:build unix

package x11

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// fakeXAuth writes an xauth stand-in that logs each run's arguments (one
// per line, then "--") and the mode of the -f file's directory, creates
// the -f file on generate, and answers list with a line for the display
// unless its behaviour file says otherwise ("fail-generate", "empty-list").
func fakeXAuth(t *testing.T, behaviour string) (path, logFile string) {
	t.Helper()
	dir := t.TempDir()
	logFile = filepath.Join(dir, "log")
	path = filepath.Join(dir, "xauth")
	script := `#!/bin/sh
log=` + logFile + `
for a in "$@"; do printf '%s\n' "$a" >>"$log"; done
echo "XAUTHORITY=$XAUTHORITY" >>"$log"
if [ "$1" = -f ]; then stat -c 'dirmode=%a' "$(dirname "$2")" >>"$log"; fi
echo -- >>"$log"
behaviour='` + behaviour + `'
case "$*" in
*generate*)
	[ "$behaviour" = fail-generate ] && exit 1
	: >"$2" ;;
*list*)
	[ "$behaviour" = empty-list ] && exit 1
	echo "host/unix:5  MIT-MAGIC-COOKIE-1  00112233445566778899aabbccddeeff"
	echo "host/unix:5  MIT-MAGIC-COOKIE-1  ffffffffffffffffffffffffffffffff" ;;
esac
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, logFile
}

// runs splits the stand-in's log into its runs' lines.
func runs(t *testing.T, logFile string) [][]string {
	t.Helper()
	b, err := os.ReadFile(logFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range strings.Split(strings.TrimSuffix(string(b), "--\n"), "--\n") {
		out = append(out, strings.Split(strings.TrimSuffix(r, "\n"), "\n"))
	}
	return out
}

func TestGetProtoTrusted(t *testing.T) {
	xauth, logFile := fakeXAuth(t, "")
	var out strings.Builder
	log := sshlog.New(&out, config.LogDebug3)
	called := false
	ck, ok := getProto(context.Background(), ProtoOptions{
		Display: "localhost:10.0", XAuth: xauth, Trusted: true, Timeout: 20 * time.Minute,
		Environ: []string{"XAUTHORITY=/x/auth"},
	}, func() { called = true }, log)
	if !ok || ck.proto != Proto || ck.data != "00112233445566778899aabbccddeeff" {
		t.Fatalf("cookie %+v, %v; log:\n%s", ck, ok, out.String())
	}
	// FamilyLocal: localhost:N is listed as unix:N; the first line counts.
	want := [][]string{{"list", "unix:10.0", "XAUTHORITY=/x/auth"}}
	if got := runs(t, logFile); !equalRuns(got, want) {
		t.Errorf("xauth runs %q, want %q", got, want)
	}
	if called {
		t.Error("the timeout started for a trusted forwarding")
	}
	if want := "x11_get_proto: " + xauth + " list unix:10.0\r\n"; !strings.Contains(out.String(), want) {
		t.Errorf("log %q lacks %q", out.String(), want)
	}
}

func TestGetProtoUntrusted(t *testing.T) {
	for _, tc := range []struct {
		timeout time.Duration
		args    []string
	}{
		{20 * time.Minute, []string{"timeout", "1260"}},
		{1 * time.Second, []string{"timeout", "61"}},
		{0, nil}, // never expires, never refused
	} {
		xauth, logFile := fakeXAuth(t, "")
		called := false
		ck, ok := getProto(context.Background(), ProtoOptions{
			Display: ":5", XAuth: xauth, Timeout: tc.timeout, Environ: []string{"XAUTHORITY=/x/auth"},
		}, func() { called = true }, nil)
		if !ok || ck.data != "00112233445566778899aabbccddeeff" {
			t.Fatalf("timeout %v: cookie %+v, %v", tc.timeout, ck, ok)
		}
		got := runs(t, logFile)
		if len(got) != 2 || len(got[0]) < 2 || got[0][0] != "-f" {
			t.Fatalf("timeout %v: xauth runs %q", tc.timeout, got)
		}
		file := got[0][1]
		if filepath.Base(file) != "xauthfile" {
			t.Errorf("generate file %q", file)
		}
		gen := append([]string{"-f", file, "generate", ":5", Proto, "untrusted"}, tc.args...)
		gen = append(gen, "XAUTHORITY=/x/auth", "dirmode=700")
		list := []string{"-f", file, "list", ":5", "XAUTHORITY=/x/auth", "dirmode=700"}
		if !equalRuns(got, [][]string{gen, list}) {
			t.Errorf("timeout %v: xauth runs %q, want %q", tc.timeout, got, [][]string{gen, list})
		}
		if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
			t.Errorf("private directory %s left behind: %v", filepath.Dir(file), err)
		}
		if called != (tc.timeout != 0) {
			t.Errorf("timeout %v: timeout started %v", tc.timeout, called)
		}
	}
}

// TestGetProtoWithoutXAuthData: ssh's fallbacks, each with its message.
func TestGetProtoWithoutXAuthData(t *testing.T) {
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	const fake = "Warning: No xauth data; using fake authentication data for X11 forwarding.\r\n"
	const untrustedFailed = "Warning: untrusted X11 forwarding setup failed: xauth key data not generated\r\n"
	missing := filepath.Join(t.TempDir(), "no-xauth")
	for _, tc := range []struct {
		name      string
		behaviour string
		xauth     string // "" = the stand-in
		trusted   bool
		ok        bool
		log       string
	}{
		{"missing, trusted", "", missing, true, true, "debug1: No xauth program.\r\n" + fake},
		{"missing, untrusted", "", missing, false, false, "debug1: No xauth program.\r\n" + untrustedFailed},
		{"none configured, trusted", "", "none", true, true, fake},
		{"list finds nothing", "empty-list", "", true, true, fake},
		{"generate fails", "fail-generate", "", false, false, untrustedFailed},
	} {
		xauth, logFile := fakeXAuth(t, tc.behaviour)
		switch tc.xauth {
		case "none":
			xauth = ""
		case "":
		default:
			xauth = tc.xauth
		}
		var out strings.Builder
		ck, ok := getProto(context.Background(), ProtoOptions{Display: ":5", XAuth: xauth, Trusted: tc.trusted},
			nil, sshlog.New(&out, config.LogDebug1))
		if ok != tc.ok || out.String() != tc.log {
			t.Errorf("%s: ok %v, log %q; want %v, %q", tc.name, ok, out.String(), tc.ok, tc.log)
		}
		if ok && (ck.proto != Proto || !hex32.MatchString(ck.data)) {
			t.Errorf("%s: fake cookie %+v", tc.name, ck)
		}
		if tc.behaviour == "fail-generate" && len(runs(t, logFile)) != 1 {
			t.Errorf("%s: list ran after a failed generate: %q", tc.name, runs(t, logFile))
		}
	}
}

func TestParseList(t *testing.T) {
	for in, want := range map[string]cookie{
		"h/unix:0  MIT-MAGIC-COOKIE-1  0a0b\n":         {Proto, "0a0b"},
		"h/unix:0 XDM-AUTHORIZATION-1 aa bb\nsecond\n": {"XDM-AUTHORIZATION-1", "aa"},
		"\th/unix:0\tMIT-MAGIC-COOKIE-1\t0a0b":         {Proto, "0a0b"},
		"only two\nh/unix:0 MIT-MAGIC-COOKIE-1 0a0b\n": {},
		"":                                {},
		"h p " + strings.Repeat("a", 512): {},
	} {
		got, ok := parseList([]byte(in))
		if got != want || ok != (want != cookie{}) {
			t.Errorf("parseList(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
}

func equalRuns(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}
