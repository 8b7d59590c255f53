//go:build unix

package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// hostileName is a host or user name built to run a command when pasted
// into a shell, and the entry points where ssh refuses it.
type hostileName struct {
	name string
	host bool // valid_hostname refuses it
	user bool // valid_ruser refuses it
}

// hostileNames returns the names, each trying to create marker p through
// a shell. p is lower case because %h is lowercased before it is pasted.
func hostileNames(p string) []hostileName {
	return []hostileName{
		{"x';touch " + p + ";'", true, true},
		{"x';touch${IFS}" + p + ";'", true, true},
		{"h$(touch " + p + ")", true, true},
		{"h$(touch${IFS}" + p + ")", true, true},
		{"h`touch " + p + "`", true, true},
		{"h`touch${IFS}" + p + "`", true, true},
		{"h\ntouch " + p, true, true},
		{"h touch " + p, true, false},
		{"h\ttouch " + p, true, true},
		{"-oProxyCommand=touch " + p, true, true},
		{"-oProxyCommand=touch${IFS}" + p, true, true},
		{"h|touch " + p, true, true},
		{"h&touch " + p, true, true},
		{"h;touch " + p, true, true},
		{"h;touch${IFS}" + p, true, true},
		{"h<" + p, true, true},
		{"h>" + p, true, true},
		{`h"x"`, true, true},
		{`h\x`, true, false},
		{`u\`, true, true},
		{"u -x", true, true},
		{"h(x)", true, true},
		{"h{x}", true, true},
		{"h,x", true, false},
		{"h\x7f", true, true},
		{"h\x1b]0;x\a", true, true},
	}
}

// hostileConfig writes a configuration where every token that can hold a
// name reaches a shell, and where merely evaluating it (Match exec)
// leaves a marker in dir/m.
func hostileConfig(t *testing.T, dir string) string {
	t.Helper()
	m := filepath.Join(dir, "m")
	if err := os.Mkdir(m, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "cfg")
	writeFile(t, cfg, fmt.Sprintf(`Match exec "touch %[1]s/exec"
Match exec "echo %%h %%r %%n %%u >/dev/null"
Host *
	ProxyCommand touch %[1]s/pc-%%h-%%r
	PermitLocalCommand yes
	LocalCommand touch %[1]s/lc-%%n-%%r
	KnownHostsCommand /usr/bin/touch %[1]s/khc-%%h-%%r
	RemoteCommand touch %[1]s/rc-%%h-%%r
	ConnectTimeout 5
`, m))
	return cfg
}

// markers lists what was created in dir/m, and empties it.
func markers(t *testing.T, dir string) []string {
	t.Helper()
	m := filepath.Join(dir, "m")
	ents, err := os.ReadDir(m)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		os.RemoveAll(filepath.Join(m, e.Name()))
	}
	return names
}

// pctEncode percent-encodes every byte, as an ssh:// URI may carry it.
func pctEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02x", s[i])
	}
	return b.String()
}

// nameEntry is one way a name gets onto the command line.
type nameEntry struct {
	name string
	// args places n; nil when the entry does not apply to h.
	args func(h hostileName) []string
}

// nameEntries are the command-line entry points ssh checks.
func nameEntries() []nameEntry {
	hasBlank := func(s string) bool { return strings.ContainsAny(s, " \t\n\v\f\r") }
	return []nameEntry{
		{"host", func(h hostileName) []string {
			if !h.host {
				return nil
			}
			return []string{"--", h.name}
		}},
		{"user@host", func(h hostileName) []string {
			if !h.user || strings.Contains(h.name, "@") {
				return nil
			}
			return []string{"--", h.name + "@h"}
		}},
		{"-l", func(h hostileName) []string {
			if !h.user {
				return nil
			}
			return []string{"-l", h.name, "h"}
		}},
		{"-o User", func(h hostileName) []string {
			// -o lines are split at blanks and quotes by readconf first.
			if !h.user || hasBlank(h.name) || strings.ContainsAny(h.name, `"'`) {
				return nil
			}
			return []string{"-o", "User=" + h.name, "h"}
		}},
		{"ssh:// user", func(h hostileName) []string {
			if !h.user {
				return nil
			}
			return []string{"ssh://" + pctEncode(h.name) + "@h"}
		}},
		{"ssh:// user, url.PathEscape", func(h hostileName) []string {
			if !h.user {
				return nil
			}
			return []string{"ssh://" + url.PathEscape(h.name) + "@h:22"}
		}},
		// ssh parses a jump spec only up to its first blank.
		{"-J user", func(h hostileName) []string {
			if !h.user || hasBlank(h.name) || strings.ContainsAny(h.name, "@,#") {
				return nil
			}
			return []string{"-J", h.name + "@hop", "h"}
		}},
		{"-J host", func(h hostileName) []string {
			if !h.host || hasBlank(h.name) || strings.ContainsAny(h.name, "@,#") {
				return nil
			}
			return []string{"-J", "u@" + h.name, "h"}
		}},
		{"-J second hop uri", func(h hostileName) []string {
			if !h.user {
				return nil
			}
			return []string{"-J", "ssh://" + pctEncode(h.name) + "@hop,hop2", "h"}
		}},
		{"-o ProxyJump user", func(h hostileName) []string {
			if !h.user || hasBlank(h.name) || strings.ContainsAny(h.name, "@,#\"'") {
				return nil
			}
			return []string{"-o", "ProxyJump=" + h.name + "@hop", "h"}
		}},
		{"-o ProxyJump host", func(h hostileName) []string {
			if !h.host || hasBlank(h.name) || strings.ContainsAny(h.name, "@,#\"'") {
				return nil
			}
			return []string{"-o", "ProxyJump=hop1,u@" + h.name, "h"}
		}},
	}
}

// TestHostileNamesRefusedLikeOpenSSH: a name from the command line that
// could run a command through ProxyCommand, LocalCommand, Match exec and
// the like is refused before any configuration is evaluated, with ssh's
// message and exit status 255, under -G, -O check, and as the passenger
// of a running master. Nothing runs: dir/m stays empty.
func TestHostileNamesRefusedLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := muxDir(t) // short and lower case: %h is lowercased
	cfg := hostileConfig(t, dir)
	sock := filepath.Join(dir, "s")
	masterPid := startMasterWith(t, gsshBin, s, sock)
	before := logins(t, s)

	modes := []struct {
		name string
		args []string
	}{
		{"-G", []string{"-G"}},
		{"-O check", []string{"-O", "check", "-S", sock}},
		{"passenger", []string{"-S", sock, "-o", "ControlMaster=auto", "-o", "BatchMode=yes"}},
	}
	p := filepath.Join(dir, "m", "p")
	tried := 0
	for _, mode := range modes {
		for _, e := range nameEntries() {
			for _, h := range hostileNames(p) {
				args := e.args(h)
				if args == nil {
					continue
				}
				tried++
				// No command: a passenger that got through would have
				// the master run RemoteCommand, whose touch leaves a
				// marker on this same machine.
				full := append(append([]string{"-F", cfg}, mode.args...), args...)
				want := runClient(t, "/usr/bin/ssh", nil, nil, full...)
				if m := markers(t, dir); len(m) > 0 {
					t.Fatalf("%s %s %q: ssh itself ran something: %q", mode.name, e.name, h.name, m)
				}
				got := gssh(t, nil, full...)
				assertNoPanic(t, got)
				if m := markers(t, dir); len(m) > 0 {
					t.Errorf("%s, %s, %q: gssh ran a command: markers %q", mode.name, e.name, h.name, m)
				}
				if got.code != 255 || want.code != 255 {
					t.Errorf("%s, %s, %q: exit gssh %d, ssh %d, want 255", mode.name, e.name, h.name, got.code, want.code)
				}
				if got.stderr != asGssh(want.stderr) {
					t.Errorf("%s, %s, %q: stderr\n gssh %q\n  ssh %q", mode.name, e.name, h.name, got.stderr, want.stderr)
				}
				if !strings.Contains(strings.ToLower(want.stderr), "invalid") {
					t.Errorf("%s, %s, %q: ssh did not refuse the name: %q", mode.name, e.name, h.name, want.stderr)
				}
			}
		}
	}
	if tried < 300 {
		t.Errorf("only %d cases ran", tried)
	}
	if n := logins(t, s); n != before {
		t.Errorf("sshd saw %d new logins; the passengers must not reach it", n-before)
	}
	if !alive(t, masterPid) {
		t.Errorf("the master died")
	}
	checkMaster(t, gsshBin, s.ClientConfig, sock)
}

// TestValidNamesStillWork: names ssh accepts from the command line,
// including ones with '$', '%', '\' inside, spaces and bytes above 0x7f
// in users, reach -G as ssh prints them.
func TestValidNamesStillWork(t *testing.T) {
	cases := [][]string{
		{"h.example"}, {"h_x-1"}, {"H.EXAMPLE"}, {"é@hé"}, {"-l", "u$x", "h"}, {"-l", `u\x`, "h"},
		{"-l", "a b", "h"}, {"-l", "a-b", "h"}, {"-l", "%d", "h"}, {"ssh://u%24x@h:2222"}, {"ssh://u;p=1@h"},
		{"-J", "u$x@j:2", "h"}, {"-J", "a b@h", "d"}, {"-J", "u@h #c", "d"}, {"-o", "ProxyJump=ssh://j%24@hop", "h"},
		{"-J", "j@h_x,k@1.2.3.4", "h"}, {"h%x"}, {"-o", "Hostname=x;y", "h"}, {"-W", "h$x:22", "h"},
	}
	for _, c := range cases {
		args := append([]string{"-F", "none", "-G", "-T"}, c...)
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		got := gssh(t, nil, args...)
		if want.code != 0 || got.code != 0 {
			t.Errorf("%q: exit gssh %d (%q), ssh %d (%q), want 0", c, got.code, got.stderr, want.code, want.stderr)
			continue
		}
		for _, key := range []string{"user ", "hostname ", "proxyjump "} {
			if g, w := dumpLine(got.stdout, key), dumpLine(want.stdout, key); g != w {
				t.Errorf("%q: gssh %q, ssh %q", c, g, w)
			}
		}
	}
}

// dumpLine returns the -G line starting with key.
func dumpLine(out, key string) string {
	lines := strings.Split(out, "\n")
	if i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, key) }); i >= 0 {
		return lines[i]
	}
	return ""
}

// TestHostileJumpHopFromConfigRefused: a ProxyJump hop from a
// configuration file is not checked when the file is read (ssh does not
// check it either), but gssh refuses its names before it resolves the
// hop's own configuration, as ssh's child ssh refuses them on its command
// line. OpenSSH builds that child's command line for sh -c, so there a
// hostile hop name in a file does run; gssh never hands it to a shell.
func TestHostileJumpHopFromConfigRefused(t *testing.T) {
	dir := muxDir(t)
	m := filepath.Join(dir, "m")
	if err := os.Mkdir(m, 0o755); err != nil {
		t.Fatal(err)
	}
	// A '/' in a hop's host is a syntax error, so these payloads write
	// no path: any file beyond the destination's marker shows a shell ran.
	hops := []struct {
		hop, msg string
		depth    int
	}{
		{"u@h$(id)", "hostname contains invalid characters", 1},
		{"u@h`id`", "hostname contains invalid characters", 1},
		{"u`id`@h", "remote username contains invalid characters", 1},
		{"u;id;@h", "remote username contains invalid characters", 1},
		{"-oProxyCommand=x@h", "remote username contains invalid characters", 1},
		{"u@h|id", "hostname contains invalid characters", 1},
		{"u@-oProxyCommand=x", "hostname contains invalid characters", 1},
		{"u@h;id,good@hop", "hostname contains invalid characters", 2},
	}
	for _, c := range hops {
		cfg := filepath.Join(dir, "cfg")
		writeFile(t, cfg, fmt.Sprintf("Match exec \"touch %s/exec-%%n\"\nHost target\n\tProxyJump %s\n\tBatchMode yes\n", m, c.hop))
		// Reading the file checks nothing, in ssh as in gssh: -G takes it.
		for _, prog := range []string{"/usr/bin/ssh", gsshBin} {
			r := runClient(t, prog, nil, nil, "-F", cfg, "-G", "-T", "target")
			if mk := markers(t, dir); r.code != 0 || !slices.Equal(mk, []string{"exec-target"}) {
				t.Errorf("%s -G with hop %q: exit %d %q, markers %q", prog, c.hop, r.code, r.stderr, mk)
			}
		}
		got := gssh(t, nil, "-F", cfg, "target", "true")
		assertNoPanic(t, got)
		if mk := markers(t, dir); !slices.Equal(mk, []string{"exec-target"}) {
			t.Errorf("%q: markers %q, want only the destination's own Match exec", c.hop, mk)
		}
		want := c.msg + "\r\n" + strings.Repeat("kex_exchange_identification: Connection closed by remote host\r\nConnection closed by UNKNOWN port 65535\r\n", c.depth)
		if got.code != 255 || got.stderr != want {
			t.Errorf("%q: exit %d, stderr %q; want 255, %q", c.hop, got.code, got.stderr, want)
		}
	}
}

// TestNameErrorsOrderLikeOpenSSH: where the name checks sit among ssh's
// other checks, and how their messages are written: after every -o line
// (whose errors come first), before -s, -y/-E and every file; on stderr
// with "\r\n" even under -q, LogLevel QUIET or -E; the jump parser's
// message with the name escaped as ssh's logger escapes it.
func TestNameErrorsOrderLikeOpenSSH(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad_config")
	writeFile(t, bad, "Bogus yes\n")
	logf := filepath.Join(dir, "log")
	cases := [][]string{
		{"-F", bad, "-G", "h$(x)"},
		{"-F", bad, "-G", "-l", "x'", "h"},
		{"-F", "none", "-G", "-l", "x'", "h$(x)"},
		{"-F", "none", "-G", "h$(x)", "-l", "x'"},
		{"-F", "none", "-G", "x'@h$(x)"},
		{"-F", "none", "-G", "-o", "Bogus=1", "-l", "x'", "h"},
		{"-F", "none", "-G", "-l", "x'", "-o", "ProxyJump=j@h;x", "h"},
		{"-F", "none", "-G", "-o", "ProxyJump=j@h:2x", "-o", "ProxyJump=j@h;x", "h"},
		{"-F", "none", "-G", "-o", "ProxyJump=good", "-o", "ProxyJump=j@h;x", "h"},
		{"-F", "none", "-G", "-J", "good", "-o", "ProxyJump=j@h;x", "h"},
		{"-F", "none", "-G", "-o", "ProxyJump=j@h;x", "-J", "good", "h"},
		{"-F", "none", "-G", "-J", "j'@h;x", "h"},
		{"-F", "none", "-G", "-J", "j'@h,k;@g", "h"},
		{"-F", "none", "-G", "-J", `j\@h`, "h"},
		{"-F", "none", "-G", "-o", `ProxyJump=j\@h`, "h"},
		{"-F", "none", "-G", "-J", "ssh://j%01%5c%22%07%1b@h", "h"},
		{"-F", "none", "-G", "-J", "#x", "h"},
		{"-F", "none", "-G", "-J", "ssh://j%3b@h,good", "h"},
		{"-F", "none", "-G", "-o", "User=x;", "-l", "good", "h"},
		{"-F", "none", "-G", "-p", "22", "ssh://x%3b@h:23"},
		{"-F", "none", "-G", "-l", "a\f", "h"},
		{"-F", "none", "-G", "-l", "a -x", "h"},
		{"-F", "none", "-q", "-G", "h$(x)"},
		{"-F", "none", "-o", "LogLevel=quiet", "h$(x)", "true"},
		{"-F", "none", "-E", logf, "-G", "-l", "x;", "h"},
		{"-F", "none", "-s", "-G", "h$(x)"},
		{"-F", "none", "-y", "-E", logf, "h$(x)"},
		{"-F", "none", "-G", "-p", "0", "h$(x)"},
		{"-F", "none", "-N", "-W", "h:2", "h$(x)"},
		{"-F", "none", "-f", "-l", "x'", "h"},
	}
	for _, c := range cases {
		want := runClient(t, "/usr/bin/ssh", nil, nil, c...)
		got := gssh(t, nil, c...)
		assertNoPanic(t, got)
		if got.code != want.code || got.stderr != asGssh(want.stderr) {
			t.Errorf("%q:\n gssh %d %q\n  ssh %d %q", c, got.code, got.stderr, want.code, want.stderr)
		}
	}
	if _, err := os.Stat(logf); err == nil {
		t.Errorf("-E log written: the name checks come before the log is opened")
	}
}
