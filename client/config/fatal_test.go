package config

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// moreBadLines extends badLines (errors_test.go): each kind of bad value
// for each value type of keywords.go, plus quoting and argument-count
// errors. TestDifferentialErrors compares every one with ssh's messages,
// in a file and with -o.
var moreBadLines = []string{
	// Missing or extra arguments, any type.
	"BatchMode", "BatchMode yes no", `BatchMode ""`, "Port 22 23", "Foo", "LocalForward 1 h:1 extra",
	"User", "HostName a b", `IdentityFile ""`, "Ciphers", `MACs ""`,
	// Flags and multi-state words.
	"AddressFamily inet4", "ControlMaster sometimes", "RequestTTY maybe", "SessionType shell",
	"Tunnel layer3", "CanonicalizeHostname often", "PubkeyAuthentication bound",
	"UpdateHostKeys maybe", "VerifyHostKeyDNS perhaps", "ForwardX11 1", "GSSAPIAuthentication on",
	// Integers.
	"NumberOfPasswordPrompts 2147483648", "ServerAliveCountMax -5", "CanonicalizeMaxDots 1.5",
	"RequiredRSASize 99999999999999999999", `ConnectionAttempts ""`, "ConnectionAttempts 0x10",
	// Times.
	"ConnectTimeout 5x", "ServerAliveInterval -1", "ForwardX11Timeout 1h-", "ConnectTimeout 99999999999",
	`ConnectTimeout ""`, "ConnectTimeout 1.5", "ServerAliveInterval m",
	// Ports.
	"Port 65536", "Port -1", "Port nosuchservice", `Port ""`, "Port 0x16",
	// Algorithm lists.
	"Ciphers +nope", "Ciphers ^nope", "KexAlgorithms +nope", "KexAlgorithms ^curve25519-sha256,nope",
	"HostKeyAlgorithms nope*",
	"PubkeyAcceptedAlgorithms +nope", "MACs ^nope", "GSSAPIKexAlgorithms nope", "HostbasedAcceptedAlgorithms x",
	// Forwards.
	"LocalForward 0 h:1", "LocalForward 1 h:0", "RemoteForward x", "DynamicForward 1:2:3",
	"LocalForward [::1 h:1", "LocalForward 1 h:65536", "DynamicForward 0", "LocalForward 1",
	"RemoteForward 1 h", "DynamicForward x", "LocalForward 1 [::1]x:2",
	// Environment.
	`SendEnv ""`, "SendEnv A B=C", `SetEnv "A"`, "SetEnv A=1 B",
	// First-wins lists.
	"GlobalKnownHostsFile none a", "CanonicalDomains .example.com", "CanonicalDomains a..b",
	"CanonicalDomains a!b", "CanonicalDomains AB!CD", "CanonicalDomains AB..CD", "CanonicalDomains Ok.Example.", "CanonicalDomains example.com.", "CanonicalDomains a none", `LogVerbose ""`,
	// PermitRemoteOpen and CNAME rules.
	"PermitRemoteOpen h", "PermitRemoteOpen :80", "PermitRemoteOpen h:0", "PermitRemoteOpen h:x",
	"PermitRemoteOpen any h:1", "PermitRemoteOpen h:1 none",
	"CanonicalizePermittedCNAMEs a", "CanonicalizePermittedCNAMEs :b", "CanonicalizePermittedCNAMEs none a:b",
	// Single-character and compound values.
	"EscapeChar ^1", `EscapeChar ""`, "EscapeChar ab", `ControlPersist ""`, "ControlPersist -1",
	"AddKeysToAgent yes 5m", "AddKeysToAgent confirm x", "AddKeysToAgent 5x", "AddKeysToAgent confirm 1m x",
	"IPQoS af11 bogus", "IPQoS 256", "IPQoS af11 af12 af13", "IPQoS -1",
	"RekeyLimit x", "RekeyLimit 1G x", "RekeyLimit -1", "RekeyLimit 1Q", "RekeyLimit 15",
	"StreamLocalBindMask 0999", "StreamLocalBindMask 01000", "StreamLocalBindMask x",
	"TunnelDevice 1:x", "TunnelDevice -1", "TunnelDevice 2147483647",
	`LogLevel ""`, "SyslogFacility LOCAL8", "FingerprintHash sha224",
	// Agent paths and ProxyJump.
	"ForwardAgent ${GSSH_TEST_UNSET_VAR}/x", "ForwardAgent $1bad-name", "ForwardAgent ${x",
	"IdentityAgent ${GSSH_TEST_UNSET_VAR}", "IdentityAgent $bad-name", "IdentityAgent ${}",
	"ProxyJump a,,b", "ProxyJump :22", "ProxyJump ssh://a/b", "ProxyJump a@b:0", "ProxyJump [::1",
	// Quoting.
	`SetEnv "A=1`, `IdentityFile 'x`, `User 'a"`, `RemoteCommand "open`, `Ciphers "aes128-ctr`,
	// Block keywords (file only).
	"Match", "Match host x all", "Match user", "Match exec", "Match originalhost", "Match localuser",
	"Match canonical all", "Match all all", "Match !foo x", `Match host "x`, `Host "x`, `Host ""`,
	`Include ""`, "Include ~/x\"",
}

// fatalCase is a configuration ssh refuses with a message that is not a
// bad-line report; want is a substring of both ssh's stderr and gssh's
// error.
type fatalCase struct {
	treeCase
	want string
	env  []string // extra environment for both programs
}

func TestDifferentialFatal(t *testing.T) {
	sshPath(t)
	cases := []fatalCase{
		{treeCase{name: "include loop", host: "h", files: map[string]string{"cfg": "Include @DIR@/cfg\n"}}, "Too many recursive configuration includes", nil},
		{treeCase{name: "include depth 17", host: "h", files: includeChain(17)}, "Too many recursive configuration includes", nil},
		{treeCase{name: "include mutual loop", host: "h", files: map[string]string{"cfg": "Include @DIR@/a\n", "a": "Include @DIR@/b\n", "b": "Include @DIR@/a\n"}}, "Too many recursive configuration includes", nil},
		{treeCase{name: "connection attempts 0", host: "h", files: map[string]string{"cfg": "ConnectionAttempts 0\n"}}, "Invalid number of ConnectionAttempts", nil},
		{treeCase{name: "match exec killed", host: "h", files: map[string]string{"cfg": "Match exec \"kill -9 $$\"\n User x\n"}}, "match exec 'kill -9 $$' error", nil},
		{treeCase{name: "match exec unknown token", host: "h", files: map[string]string{"cfg": "Match exec \"echo %z\"\n"}}, "unknown key %z", nil},
		{treeCase{name: "controlpath unknown token", host: "h", files: map[string]string{"cfg": "ControlPath /tmp/%z\n"}}, "unknown key %z", nil},
		{treeCase{name: "remotecommand unknown token", host: "h", files: map[string]string{"cfg": "RemoteCommand echo %z\n"}}, "unknown key %z", nil},
		{treeCase{name: "userknownhostsfile unknown token", host: "h", files: map[string]string{"cfg": "UserKnownHostsFile /tmp/%z\n"}}, "unknown key %z", nil},
		{treeCase{name: "identityagent unknown token", host: "h", files: map[string]string{"cfg": "IdentityAgent /tmp/%z\n"}}, "unknown key %z", nil},
		{treeCase{name: "forward path unknown token", host: "h", files: map[string]string{"cfg": "LocalForward /tmp/%z 1:2\n"}}, "unknown key %z", nil},
		{treeCase{name: "hostname unknown token", host: "h", files: map[string]string{"cfg": "HostName %z\n"}}, "unknown key %z", nil},
		{treeCase{name: "hostname trailing percent", host: "h", files: map[string]string{"cfg": "HostName h%\n"}}, "", nil},
		{treeCase{name: "controlpath unset variable", host: "h", files: map[string]string{"cfg": "ControlPath /tmp/${GSSH_TEST_UNSET_VAR}\n"}}, "env var ${GSSH_TEST_UNSET_VAR} has no value", nil},
		{treeCase{name: "controlpath unknown user", host: "h", files: map[string]string{"cfg": "ControlPath ~gssh-no-such-user/x\n"}}, "No such user gssh-no-such-user", nil},
		{treeCase{name: "knownhostsfile unknown user", host: "h", files: map[string]string{"cfg": "UserKnownHostsFile ~gssh-no-such-user/x\n"}}, "No such user gssh-no-such-user", nil},
		{treeCase{name: "canonicalize fallback no", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nCanonicalDomains example.invalid\n"}}, `Could not resolve host "nosuch.invalid"`, nil},
		{treeCase{name: "permitted cnames unresolvable", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\n"}}, "Could not resolve hostname nosuch.invalid", nil},
	}
	var tests []subtest
	for _, tc := range cases {
		tests = append(tests, subtest{tc.name, func(t *testing.T) { runFatal(t, tc) }})
	}
	runConcurrently(t, tests)
}

// runFatal checks that ssh and gssh both refuse tc and both mention want.
func runFatal(t *testing.T, tc fatalCase) {
	t.Helper()
	dir := writeFiles(t, tc.files)
	cfg := filepath.Join(dir, "cfg")
	cmd := exec.Command(sshPath(t), "-G", "-F", cfg, tc.host)
	cmd.Env = append(os.Environ(), tc.env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 255 {
		t.Fatalf("ssh: %v, want exit 255\n%s", err, out)
	}
	req := gsshRequest(tc.host, cfg, nil)
	req.LookupHost = etcHostsLookup
	_, gerr := gsshG(req)
	if gerr == nil {
		t.Fatalf("gssh succeeded; ssh said %q", out)
	}
	if !strings.Contains(string(out), tc.want) || !strings.Contains(gerr.Error(), tc.want) {
		t.Errorf("want both to mention %q:\n ssh:  %q\n gssh: %q", tc.want, out, gerr)
	}
}

// TestDifferentialIncludePermissions: files pulled in by Include are
// checked like ~/.ssh/config (owner root or the user, not writable by
// group or others), the -F file itself is not.
func TestDifferentialIncludePermissions(t *testing.T) {
	sshPath(t)
	for _, tc := range []struct {
		name     string
		mode     os.FileMode
		chown    bool // give the included file to nobody:nogroup (needs root)
		cfgMode  os.FileMode
		wantFail bool
	}{
		{"group writable, own group", 0o664, false, 0o644, false},
		{"group writable, shared group", 0o664, true, 0o644, true},
		{"world writable", 0o646, false, 0o644, true},
		{"other owner", 0o644, true, 0o644, true},
		{"read-only for all", 0o444, false, 0o644, false},
		{"private", 0o600, false, 0o644, false},
		{"-F file world writable", 0o644, false, 0o666, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chown && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := writeFiles(t, map[string]string{"cfg": "Include @DIR@/inc.conf\n", "inc.conf": "User included\n"})
			cfg, inc := filepath.Join(dir, "cfg"), filepath.Join(dir, "inc.conf")
			if err := os.Chmod(inc, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cfg, tc.cfgMode); err != nil {
				t.Fatal(err)
			}
			if tc.chown {
				uid := 65534
				if tc.mode&0o020 != 0 {
					uid = 0 // only the group changes
				}
				if err := os.Chown(inc, uid, 65534); err != nil {
					t.Fatal(err)
				}
			}
			want, stderr, status := sshG(t, "-G", "-F", cfg, "h")
			got, err := gsshG(gsshRequest("h", cfg, nil))
			if (status != 0) != tc.wantFail {
				t.Fatalf("ssh status %d (%s), want failure %v", status, stderr, tc.wantFail)
			}
			if tc.wantFail {
				msg := "Bad owner or permissions on " + inc
				if stderr != msg || err == nil || gsshMessage(err) != msg {
					t.Errorf("\n ssh:  %q\n gssh: %v\n want: %q", stderr, err, msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := lineDiff(want, got); d != "" {
				t.Errorf("ssh vs gssh:\n%s", d)
			}
		})
	}
}

// TestUserConfigPermissions checks ~/.ssh/config the way ssh does (it
// reads the real home directory from the password database, so this is
// not differential; the message is the one ssh gives for an Include,
// above): a file writable by others or owned by someone else is refused,
// the system file is never checked.
func TestUserConfigPermissions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    os.FileMode
		chown   bool
		sysMode os.FileMode
		wantErr bool
	}{
		{"private", 0o600, false, 0o644, false},
		{"readable", 0o644, false, 0o644, false},
		{"group writable, own group", 0o620, false, 0o644, os.Getuid() != 0},
		{"group writable, shared group", 0o620, true, 0o644, true},
		{"world writable", 0o602, false, 0o644, true},
		{"other owner", 0o600, true, 0o644, true},
		{"system file world writable", 0o600, false, 0o666, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chown && os.Geteuid() != 0 {
				t.Skip("chown needs root")
			}
			home := t.TempDir()
			dot := filepath.Join(home, ".ssh")
			if err := os.Mkdir(dot, 0o700); err != nil {
				t.Fatal(err)
			}
			user := filepath.Join(dot, "config")
			sys := filepath.Join(home, "ssh_config")
			for path, mode := range map[string]os.FileMode{user: tc.mode, sys: tc.sysMode} {
				if err := os.WriteFile(path, []byte("SendEnv "+filepath.Base(path)+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
			}
			if tc.chown {
				uid := 65534
				if tc.mode&0o020 != 0 {
					uid = 0 // only the group changes
				}
				if err := os.Chown(user, uid, 65534); err != nil {
					t.Fatal(err)
				}
			}
			if !tc.chown && tc.mode&0o020 != 0 && os.Getuid() != 0 {
				t.Skip("whether the user's own group is private depends on the system")
			}
			c, err := Resolve(Request{Host: "h", HomeDir: home, LocalUser: "u", SystemConfig: sys, Env: map[string]string{}})
			if tc.wantErr {
				if err == nil || gsshMessage(err) != "Bad owner or permissions on "+user {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(c.SendEnv, " ") != "config ssh_config" {
				t.Errorf("SendEnv = %q, want both files read in order", c.SendEnv)
			}
		})
	}
}

// TestUnreadableInclude: an Include of a file the user cannot read is an
// error, not a silently skipped file. Root reads everything, so this runs
// only as another user.
func TestUnreadableInclude(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read a mode-000 file")
	}
	dir := writeFiles(t, map[string]string{"cfg": "Include @DIR@/inc\n", "inc": "User x\n"})
	inc := filepath.Join(dir, "inc")
	if err := os.Chmod(inc, 0); err != nil {
		t.Fatal(err)
	}
	msg := "Can't open user config file " + inc + ": Permission denied"
	if _, err := os.Stat(sshPathNoSkip); err == nil {
		_, stderr, status := sshG(t, "-G", "-F", filepath.Join(dir, "cfg"), "h")
		if status != 255 || !strings.Contains(stderr, msg) {
			t.Fatalf("ssh: status %d, %q", status, stderr)
		}
	}
	_, err := gsshG(gsshRequest("h", filepath.Join(dir, "cfg"), nil))
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(msg)) {
		t.Fatalf("gssh err = %v, want %q", err, msg)
	}
}

const sshPathNoSkip = "/usr/bin/ssh"

// TestDifferentialMissingConfigFile: -F with a missing file is fatal in
// both; a directory reads as an empty file in both.
func TestDifferentialMissingConfigFile(t *testing.T) {
	sshPath(t)
	missing := filepath.Join(t.TempDir(), "missing")
	_, stderr, status := sshG(t, "-G", "-F", missing, "h")
	if status != 255 || stderr != "Can't open user config file "+missing+": No such file or directory" {
		t.Fatalf("ssh: %d %q", status, stderr)
	}
	_, err := gsshG(gsshRequest("h", missing, nil))
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Path != missing || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("gssh err = %v, want *OpenError for %s", err, missing)
	}

	dir := t.TempDir()
	want, _, status := sshG(t, "-G", "-F", dir, "h")
	got, err := gsshG(gsshRequest("h", dir, nil))
	if status != 0 || err != nil {
		t.Fatalf("-F directory: ssh status %d, gssh %v", status, err)
	}
	if d := lineDiff(want, got); d != "" {
		t.Errorf("-F directory:\n%s", d)
	}
}

// TestDifferentialMatchExecShell: Match exec runs $SHELL; a shell that
// cannot run is fatal in both.
func TestDifferentialMatchExecShell(t *testing.T) {
	sshPath(t)
	dir := writeFiles(t, map[string]string{"cfg": "Match exec true\n User x\n"})
	cfg := filepath.Join(dir, "cfg")
	cmd := exec.Command(sshPathNoSkip, "-G", "-F", cfg, "h")
	cmd.Env = append(os.Environ(), "SHELL=/nonexistent/shell")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "/nonexistent/shell") {
		t.Fatalf("ssh: %v %q", err, out)
	}
	env := map[string]string{"SHELL": "/nonexistent/shell", "HOME": currentUser().HomeDir}
	req := gsshRequest("h", cfg, nil)
	req.Env = env
	if _, err := gsshG(req); err == nil || !strings.Contains(err.Error(), "/nonexistent/shell") {
		t.Fatalf("gssh err = %v", err)
	}
	// A shell that runs the command: the criterion applies.
	env["SHELL"] = "/bin/sh"
	c, err := Resolve(req)
	if err != nil || c.User != "x" {
		t.Fatalf("with /bin/sh: %v, %v", c, err)
	}
}

// TestDifferentialBadValues runs each of moreBadLines through ssh -G and
// gssh, in a file and with -o. Where ssh refuses the line, gssh must print
// the same messages (the detail line, the located message and, for a file,
// the "terminating" line); where ssh accepts it, the -G outputs must
// agree.
func TestDifferentialBadValues(t *testing.T) {
	sshPath(t)
	var tests []subtest
	for _, line := range moreBadLines {
		tests = append(tests, subtest{line, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "cfg")
			if err := os.WriteFile(cfg, []byte("Port 22\n"+line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			checkBad(t, []string{"-G", "-F", cfg, "h"}, gsshRequest("h", cfg, nil))
			if blockKeyword(line) {
				return
			}
			checkBad(t, []string{"-G", "-F", "none", "-o", line, "h"}, gsshRequest("h", "none", []string{line}))
		}})
	}
	runConcurrently(t, tests)
}

func blockKeyword(line string) bool {
	kw, _, _ := splitKeyword(line)
	return kw == "host" || kw == "match" || kw == "include"
}

func checkBad(t *testing.T, args []string, req Request) {
	t.Helper()
	want, stderr, status := sshG(t, args...)
	got, err := gsshG(req)
	if status == 0 {
		if err != nil {
			t.Errorf("%q: ssh accepts it, gssh: %v", args, err)
		} else if d := lineDiff(want, got); d != "" {
			t.Errorf("%q: ssh vs gssh:\n%s", args, d)
		}
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		if err == nil || gsshMessage(err) != strings.TrimPrefix(stderr, "ssh: ") {
			t.Errorf("%q: gssh error = %v; ssh said %q", args, err, stderr)
		}
		return
	}
	var gl []string
	if pe.Detail != "" {
		gl = append(gl, pe.Detail)
	}
	gl = append(gl, pe.Error())
	if term := pe.Terminating(); term != "" {
		gl = append(gl, term)
	}
	if g := strings.Join(gl, "\n"); g != stderr {
		t.Errorf("%q:\n gssh: %q\n ssh:  %q", args, g, stderr)
	}
}
