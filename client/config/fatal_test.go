package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/testenv"
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
// bad-line report; want is ssh's whole stderr, which gssh must print
// exactly (see fatalDeviations for the exceptions).
type fatalCase struct {
	treeCase
	want string
	env  []string // extra environment for both programs
}

// fatalDeviations are the fatal cases where gssh's message knowingly
// differs from ssh's, by case name, with the reason; each is listed in
// docs/compatibility.md ("Known deviations"). The test fails when a
// listed case starts to match, so the list cannot go stale.
var fatalDeviations = map[string]string{}

func TestDifferentialFatal(t *testing.T) {
	sshPath(t)
	cases := []fatalCase{
		{treeCase{name: "include loop", host: "h", files: map[string]string{"cfg": "Include @DIR@/cfg\n"}}, "Too many recursive configuration includes", nil},
		{treeCase{name: "include depth 17", host: "h", files: includeChain(17)}, "Too many recursive configuration includes", nil},
		{treeCase{name: "include mutual loop", host: "h", files: map[string]string{"cfg": "Include @DIR@/a\n", "a": "Include @DIR@/b\n", "b": "Include @DIR@/a\n"}}, "Too many recursive configuration includes", nil},
		{treeCase{name: "connection attempts 0", host: "h", files: map[string]string{"cfg": "ConnectionAttempts 0\n"}}, "Invalid number of ConnectionAttempts", nil},
		{treeCase{name: "match exec killed", host: "h", files: map[string]string{"cfg": "Match exec \"kill -9 $$\"\n User x\n"}}, "command 'kill -9 $$' exited abnormally\n@DIR@/cfg line 1: match exec 'kill -9 $$' error", nil},
		{treeCase{name: "match exec unknown token", host: "h", files: map[string]string{"cfg": "Match exec \"echo %z\"\n"}}, expandFailed("unknown key %z", "percent_expand"), nil},
		{treeCase{name: "match hostname unknown token", host: "h", files: map[string]string{"cfg": "HostName %z\nMatch host x\n"}}, expandFailed("unknown key %z", "percent_expand"), nil},
		{treeCase{name: "controlpath unknown token", host: "h", files: map[string]string{"cfg": "ControlPath /tmp/%z\n"}}, expandFailed("unknown key %z", "percent_dollar_expand"), nil},
		{treeCase{name: "remotecommand unknown token", host: "h", files: map[string]string{"cfg": "RemoteCommand echo %z\n"}}, expandFailed("unknown key %z", "percent_expand"), nil},
		{treeCase{name: "userknownhostsfile unknown token", host: "h", files: map[string]string{"cfg": "UserKnownHostsFile /tmp/%z\n"}}, expandFailed("unknown key %z", "percent_dollar_expand"), nil},
		{treeCase{name: "identityagent unknown token", host: "h", files: map[string]string{"cfg": "IdentityAgent /tmp/%z\n"}}, expandFailed("unknown key %z", "percent_dollar_expand"), nil},
		{treeCase{name: "forwardagent unknown token", host: "h", files: map[string]string{"cfg": "ForwardAgent /tmp/%z\n"}}, expandFailed("unknown key %z", "percent_dollar_expand"), nil},
		{treeCase{name: "forward path unknown token", host: "h", files: map[string]string{"cfg": "LocalForward /tmp/%z 1:2\n"}}, expandFailed("unknown key %z", "percent_expand"), nil},
		{treeCase{name: "hostname unknown token", host: "h", files: map[string]string{"cfg": "HostName %z\n"}}, expandFailed("unknown key %z", "percent_expand"), nil},
		{treeCase{name: "hostname trailing percent", host: "h", files: map[string]string{"cfg": "HostName h%\n"}}, expandFailed("invalid format", "percent_expand"), nil},
		{treeCase{name: "controlpath unset variable", host: "h", files: map[string]string{"cfg": "ControlPath /tmp/${GSSH_TEST_UNSET_VAR}\n"}}, "vdollar_percent_expand: env var ${GSSH_TEST_UNSET_VAR} has no value\ninvalid environment variable expansion", nil},
		{treeCase{name: "controlpath unknown user", host: "h", files: map[string]string{"cfg": "ControlPath ~gssh-no-such-user/x\n"}}, "tilde_expand: No such user gssh-no-such-user", nil},
		{treeCase{name: "knownhostsfile unknown user", host: "h", files: map[string]string{"cfg": "UserKnownHostsFile ~gssh-no-such-user/x\n"}}, "tilde_expand: No such user gssh-no-such-user", nil},
		{treeCase{name: "identityagent unknown user", host: "h", files: map[string]string{"cfg": "IdentityAgent ~gssh-no-such-user/x\n"}}, "tilde_expand: No such user gssh-no-such-user", nil},
		{treeCase{name: "canonicalize fallback no", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nCanonicalDomains example.invalid\n"}}, `ssh: Could not resolve host "nosuch.invalid"`, nil},
		{treeCase{name: "permitted cnames unresolvable", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\n"}}, "ssh: Could not resolve hostname nosuch.invalid: Name or service not known", nil},
		{treeCase{name: "match exec shell missing", host: "h", files: map[string]string{"cfg": "Match exec true\n User x\n"}}, `Shell "/nonexistent/shell" is not executable: No such file or directory`, []string{"SHELL=/nonexistent/shell"}},
	}
	for name := range fatalDeviations {
		if !slices.ContainsFunc(cases, func(c fatalCase) bool { return c.name == name }) {
			t.Errorf("fatalDeviations lists %q, which is no case", name)
		}
	}
	var tests []subtest
	for _, tc := range cases {
		tests = append(tests, subtest{tc.name, func(t *testing.T) { runFatal(t, tc) }})
	}
	runConcurrently(t, tests)
}

// expandFailed is what ssh prints when expanding a value fails in
// vdollar_percent_expand, called from caller.
func expandFailed(msg, caller string) string {
	return "vdollar_percent_expand: " + msg + "\n" + caller + ": failed"
}

// runFatal checks that ssh and gssh both refuse tc, ssh with exactly
// tc.want on stderr and exit status 255, gssh with the same text unless
// fatalDeviations lists the case.
func runFatal(t *testing.T, tc fatalCase) {
	t.Helper()
	dir := writeFiles(t, tc.files)
	cfg := filepath.Join(dir, "cfg")
	want := strings.ReplaceAll(tc.want, "@DIR@", dir)
	cmd := exec.Command(sshPath(t), "-G", "-F", cfg, tc.host)
	cmd.Env = append(os.Environ(), tc.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 255 {
		t.Fatalf("ssh: %v, want exit 255\n%s", err, stderr.String())
	}
	if got := sshStderrLines(stderr.String()); got != want {
		t.Fatalf("ssh's stderr changed:\n got:  %q\n want: %q", got, want)
	}
	req := gsshRequest(tc.host, cfg, nil)
	req.LookupHost = etcHostsLookup
	if len(tc.env) > 0 {
		req.Env = map[string]string{"HOME": currentUser().HomeDir}
		for _, kv := range tc.env {
			k, v, _ := strings.Cut(kv, "=")
			req.Env[k] = v
		}
	}
	_, gerr := gsshG(req)
	if gerr == nil {
		t.Fatalf("gssh succeeded; ssh said %q", want)
	}
	got := gsshStderr(gerr)
	reason, deviates := fatalDeviations[tc.name]
	switch {
	case deviates && got == want:
		t.Errorf("listed as a deviation (%s) but gssh now prints ssh's message; remove it from fatalDeviations and docs/compatibility.md", reason)
	case !deviates && got != want:
		t.Errorf("\n gssh: %q\n ssh:  %q", got, want)
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
				testenv.SkipOrFail(t, "chown needs root")
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
				if stderr != msg || err == nil || gsshStderr(err) != msg {
					t.Errorf("\n ssh:  %q\n gssh: %v\n want: %q", stderr, err, msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := diffG(want, stderr, got); d != "" {
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
				testenv.SkipOrFail(t, "chown needs root")
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
				testenv.SkipOrFail(t, "whether the user's own group is private depends on the system")
			}
			c, err := Resolve(Request{Host: "h", HomeDir: home, LocalUser: "u", SystemConfig: sys, Env: map[string]string{}})
			if tc.wantErr {
				if err == nil || gsshStderr(err) != "Bad owner or permissions on "+user {
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
// error, not a silently skipped file: ssh and gssh print the same
// message. Root reads everything, so as root (CI) both run as the test
// user: ssh through runuser, gssh's resolution in this test binary
// started again as that user (unreadableIncludeChild).
func TestUnreadableInclude(t *testing.T) {
	if dir := os.Getenv(unreadableIncludeEnv); dir != "" {
		unreadableIncludeChild(dir)
		return
	}
	dir, err := os.MkdirTemp("", "gssh-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"cfg": "Include " + dir + "/inc\n", "inc": "User x\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inc, cfg := filepath.Join(dir, "inc"), filepath.Join(dir, "cfg")
	if err := os.Chmod(inc, 0); err != nil {
		t.Fatal(err)
	}
	want := "Can't open user config file " + inc + ": Permission denied\n" + cfg + ": terminating, 1 bad configuration options"

	var sshArgs []string
	var got string
	if os.Geteuid() == 0 {
		requireTestUser(t)
		// The test user must be able to run this binary; go test's build
		// directory is private to root.
		bin := filepath.Join(dir, "config.test")
		data, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("runuser", "-u", testUser, "--", bin, "-test.run", "^TestUnreadableInclude$", "-test.count=1")
		cmd.Env = append(os.Environ(), unreadableIncludeEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("test binary as %s: %v\n%s", testUser, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if m, ok := strings.CutPrefix(l, unreadableIncludeMark); ok {
				if got, err = strconv.Unquote(m); err != nil {
					t.Fatal(err)
				}
			}
		}
		sshArgs = []string{"runuser", "-u", testUser, "--", sshPath(t)}
	} else {
		_, err := gsshG(gsshRequest("h", cfg, nil))
		if err == nil {
			t.Fatalf("gssh read %s, which the user cannot read", inc)
		}
		got = gsshStderr(err)
		sshArgs = []string{sshPath(t)}
	}
	cmd := exec.Command(sshArgs[0], append(sshArgs[1:], "-G", "-F", cfg, "h")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 255 || sshStderrLines(stderr.String()) != want {
		t.Fatalf("ssh: %v, %q; want status 255 and %q", err, stderr.String(), want)
	}
	if got != want {
		t.Fatalf("\n gssh: %q\n ssh:  %q", got, want)
	}
}

// unreadableIncludeEnv names the directory of TestUnreadableInclude's
// files in the copy of the test binary run as the test user, whose
// answer follows unreadableIncludeMark on stdout.
const (
	unreadableIncludeEnv  = "GSSH_TEST_UNREADABLE_INCLUDE_DIR"
	unreadableIncludeMark = "gssh-stderr: "
)

// unreadableIncludeChild resolves TestUnreadableInclude's configuration
// as the test user and prints what gssh would print.
func unreadableIncludeChild(dir string) {
	_, err := gsshG(gsshRequest("h", filepath.Join(dir, "cfg"), nil))
	msg := "<no error>"
	if err != nil {
		msg = gsshStderr(err)
	}
	fmt.Println(unreadableIncludeMark + strconv.Quote(msg))
}

// testUser is internal/sshdtest.TestUser, the non-root account .ci/setup
// creates (this leaf package's tests import nothing of gssh's).
const testUser = "gsshtest"

// requireTestUser fails under CI=true, and skips elsewhere, when testUser
// does not exist.
func requireTestUser(t *testing.T) {
	t.Helper()
	if _, err := user.Lookup(testUser); err != nil {
		testenv.SkipOrFail(t, "test user %s missing (.ci/setup creates it): %v", testUser, err)
	}
}

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
	if msg := gsshStderr(err); msg != stderr {
		t.Errorf("\n gssh: %q\n ssh:  %q", msg, stderr)
	}

	dir := t.TempDir()
	want, stderr, status := sshG(t, "-G", "-F", dir, "h")
	got, err := gsshG(gsshRequest("h", dir, nil))
	if status != 0 || err != nil {
		t.Fatalf("-F directory: ssh status %d, gssh %v", status, err)
	}
	if d := diffG(want, stderr, got); d != "" {
		t.Errorf("-F directory:\n%s", d)
	}
}

// TestMatchExecShell: Match exec runs $SHELL (a shell that cannot run is
// a case of TestDifferentialFatal); with one that runs, the criterion
// applies.
func TestMatchExecShell(t *testing.T) {
	dir := writeFiles(t, map[string]string{"cfg": "Match exec true\n User x\n"})
	req := gsshRequest("h", filepath.Join(dir, "cfg"), nil)
	req.Env = map[string]string{"SHELL": "/bin/sh", "HOME": currentUser().HomeDir}
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
		} else if d := diffG(want, stderr, got); d != "" {
			t.Errorf("%q: ssh vs gssh:\n%s", args, d)
		}
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		if err == nil || gsshStderr(err) != stderr {
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
