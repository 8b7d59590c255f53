//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// onlySSH lists the lines ssh -v prints that gssh does not, by prefix,
// each with the reason (docs/logging.md repeats them).
var onlySSH = []struct{ prefix, reason string }{
	{"debug1: compat_banner: ", "gssh keeps no table of server quirks (sshd's compat.c); x/crypto applies none"},
	{"debug1: SSH2_MSG_EXT_INFO received", "x/crypto reads EXT_INFO itself, encrypted, and exposes nothing of it"},
	{"debug1: kex_input_ext_info: ", "the same EXT_INFO message"},
	{"debug1: Requesting no-more-sessions@openssh.com", "gssh does not send this global request"},
	{"debug1: pledge: ", "OpenBSD's pledge(2), a no-op stub on Linux; gssh does not sandbox itself"},
	{"debug1: Remote: ", "SSH2_MSG_DEBUG from the server: x/crypto discards it"},
	{"debug1: get_agent_identities: bound agent to hostkey", "gssh does not bind the agent to the host key (session-bind@openssh.com)"},
}

// onlyGssh lists the lines gssh may print at -v where ssh has none, by
// prefix, each with the reason (docs/logging.md repeats them).
var onlyGssh = []struct{ prefix, reason string }{
	{"debug1: not in the session registry: ", "gssh's own: why this run is not listed by --sessions (docs/sessions.md)"},
}

// unordered are lines both print whose place depends on timing: gssh
// serves the server's global requests as they arrive, ssh once its
// client loop reads them, after the session channel is open.
var unordered = []string{
	"debug1: client_input_global_request: rtype hostkeys-00@openssh.com want_reply 0",
}

// verboseNormal replaces what legitimately differs between two clients'
// -v output: the program's version line and version string, and the
// byte counts and times of the closing lines.
var verboseNormal = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^(OpenSSH_|gssh ).*`), "VERSION LINE"},
	{regexp.MustCompile(`^(debug1: Local version string ).*`), "${1}VERSION"},
	{regexp.MustCompile(`^Transferred: .*`), "Transferred: N"},
	{regexp.MustCompile(`^Bytes per second: .*`), "Bytes per second: N"},
}

// verboseLines is a client's stderr as normalised lines, without those
// only ssh prints (drop, for ssh's output; dropped returns them) or only
// gssh prints (for gssh's).
func verboseLines(stderr string, drop bool) (lines, dropped []string) {
	for _, l := range strings.Split(strings.ReplaceAll(stderr, "\r\n", "\n"), "\n") {
		if l == "" {
			continue
		}
		for _, n := range verboseNormal {
			l = n.re.ReplaceAllString(l, n.with)
		}
		only := onlyGssh
		if drop {
			only = onlySSH
		}
		if slices.ContainsFunc(only, func(o struct{ prefix, reason string }) bool { return strings.HasPrefix(l, o.prefix) }) {
			dropped = append(dropped, l)
			continue
		}
		lines = append(lines, l)
	}
	return lines, dropped
}

// TestVerboseLikeOpenSSH is issue 15's acceptance for -v: a login where
// the first key (-i) is refused and the second accepted. gssh -v prints
// the same lines as ssh -v — configuration files, connection, identity
// files, versions, key exchange and negotiated algorithms, host key,
// each key offered and the server's answer, "Authenticated to ... using
// "publickey".", the session's channel requests and the closing lines —
// in the same order, apart from the lines in onlySSH (each with its
// reason) and what verboseNormal replaces. Both clients get the same
// algorithm lists, so that the kex lines must match word for word
// (by default ssh prefers sntrup761x25519-sha512 and chacha20-poly1305,
// which x/crypto lacks or ranks lower). The last case has the accepted
// key in an ssh-agent: "agent returned 1 keys" and the key named by its
// comment.
func TestVerboseLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	refused := filepath.Join(dir, "refused")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", refused).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`Host verbose
	HostName %s
	Port %d
	User root
	IdentitiesOnly yes
	IdentityAgent none
	UserKnownHostsFile %s
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
`, s.Host, s.Port, s.KnownHosts)), 0o644); err != nil {
		t.Fatal(err)
	}
	agentSock := startAgent(t, dir, s.UserKey)
	for _, tc := range []struct {
		kex, cipher, mac string
		agent            bool // the accepted key is in an agent, not a -i file
	}{
		{"curve25519-sha256", "aes128-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com", false},
		{"ecdh-sha2-nistp256", "aes256-ctr", "hmac-sha2-256-etm@openssh.com", false},
		{"diffie-hellman-group14-sha256", "chacha20-poly1305@openssh.com", "hmac-sha2-512", false},
		{"curve25519-sha256", "aes256-gcm@openssh.com", "hmac-sha2-256", true},
	} {
		name := tc.kex
		if tc.agent {
			name += "-agent"
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"-v", "-F", cfg, "-i", refused, "-i", s.UserKey}
			if tc.agent {
				args = []string{"-v", "-F", cfg, "-i", refused, "-o", "IdentitiesOnly=no", "-o", "IdentityAgent=" + agentSock}
			}
			args = append(args, "-o", "KexAlgorithms="+tc.kex, "-o", "Ciphers="+tc.cipher, "-o", "MACs="+tc.mac,
				"-o", "HostKeyAlgorithms=ssh-ed25519", "verbose", "echo hi")
			want := runClient(t, sshPath, nil, nil, args...)
			got := runClient(t, gsshBin, nil, nil, args...)
			if want.code != 0 || got.code != 0 || got.stdout != want.stdout {
				t.Fatalf("exit %d, ssh %d; stdout %q, ssh %q\ngssh:\n%s\nssh:\n%s", got.code, want.code, got.stdout, want.stdout, got.stderr, want.stderr)
			}
			theirs, dropped := verboseLines(want.stderr, true)
			mine, _ := verboseLines(got.stderr, false)
			accepted := "debug1: Server accepts key: " + s.UserKey + " ED25519 "
			if tc.agent {
				accepted = "debug1: Server accepts key: sshdtest ED25519 " // the agent names the key by its comment
			}
			for _, must := range []string{
				"debug1: kex: algorithm: " + tc.kex,
				accepted,
				`Authenticated to 127.0.0.1 ([127.0.0.1]:`,
			} {
				if !slices.ContainsFunc(theirs, func(l string) bool { return strings.HasPrefix(l, must) }) {
					t.Fatalf("ssh -v printed no %q line; the test's premise is wrong:\n%s", must, want.stderr)
				}
			}
			if len(dropped) == 0 {
				t.Errorf("ssh printed none of the allowlisted lines; is the list stale?")
			}
			// Timing-dependent lines: present in both, compared apart.
			for _, u := range unordered {
				if slices.Contains(theirs, u) != slices.Contains(mine, u) {
					t.Errorf("%q: in ssh's output %v, in gssh's %v", u, slices.Contains(theirs, u), slices.Contains(mine, u))
				}
				theirs = slices.DeleteFunc(theirs, func(l string) bool { return l == u })
				mine = slices.DeleteFunc(mine, func(l string) bool { return l == u })
			}
			if !slices.Equal(mine, theirs) {
				t.Errorf("gssh -v and ssh -v differ (ssh's lines in onlySSH removed):\n%s", verboseDiff(mine, theirs))
			}
		})
	}
}

// verboseDiff shows two line lists side by side from their first difference.
func verboseDiff(mine, theirs []string) string {
	i := 0
	for i < len(mine) && i < len(theirs) && mine[i] == theirs[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d\n", i+1)
	for j := max(0, i-3); j < max(len(mine), len(theirs)) && j < i+12; j++ {
		var m, th string
		if j < len(mine) {
			m = mine[j]
		}
		if j < len(theirs) {
			th = theirs[j]
		}
		mark := " "
		if m != th {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s gssh: %s\n%s  ssh: %s\n", mark, m, mark, th)
	}
	return b.String()
}

// TestBannerOnStderrWithLogFile: ssh prints the userauth banner with
// fmprintf on stderr, not through its log, so -E does not move it into
// the log file; -q (LogLevel QUIET) hides it. gssh used to write it to
// the -E file. Compared with ssh in each case.
func TestBannerOnStderrWithLogFile(t *testing.T) {
	requireSSH(t)
	dir := t.TempDir()
	banner := filepath.Join(dir, "banner")
	if err := os.WriteFile(banner, []byte("Authorised use only.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"Banner " + banner}})
	for _, tc := range []struct {
		name       string
		flags      []string
		wantBanner bool
	}{
		{"E", nil, true},
		{"E-v", []string{"-v"}, true},
		{"E-q", []string{"-q"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := func(prog string) (result, string) {
				logFile := filepath.Join(t.TempDir(), "log")
				args := append(append([]string{"-E", logFile}, tc.flags...), "-F", s.ClientConfig, "sshd", "true")
				r := runClient(t, prog, nil, nil, args...)
				logged, _ := os.ReadFile(logFile)
				return r, string(logged)
			}
			want, wantLog := run(sshPath)
			got, gotLog := run(gsshBin)
			if strings.Contains(want.stderr, "Authorised use only.") != tc.wantBanner || strings.Contains(wantLog, "Authorised") {
				t.Fatalf("ssh: stderr %q, log %q: the test's premise is wrong", want.stderr, wantLog)
			}
			assertSameOutput(t, got.stderr, want.stderr, got.code, want.code)
			if strings.Contains(gotLog, "Authorised") {
				t.Errorf("gssh wrote the banner to the -E file:\n%s", gotLog)
			}
		})
	}
}

// TestServerAliveVerboseLines: gssh's own -v lines for the ServerAlive
// watchdog (ssh logs nothing about keepalives below -vvv): each probe
// with the silence so far (a probe in flight is not repeated), the
// server's answer at -vv, and the verdict
// before ssh's "Timeout, server ... not responding." line.
func TestServerAliveVerboseLines(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	healthy := gssh(t, nil, append([]string{"-vv", "-F", s.ClientConfig}, append(aliveOpts, "sshd", "sleep 2.5; echo done")...)...)
	if healthy.code != 0 || !strings.Contains(healthy.stderr, "debug1: keepalive: nothing received for ") ||
		!strings.Contains(healthy.stderr, "debug2: keepalive: server answered after ") {
		t.Fatalf("healthy session: exit %d, stderr:\n%s", healthy.code, healthy.stderr)
	}

	r := startGssh(t, nil, nil, append([]string{"-v", "-F", s.ClientConfig}, append(aliveOpts, "sshd", ticker)...)...)
	r.waitLine(t, "ready")
	r.drain()
	faults.FreezeSessions(t, s)
	assertDeclaredDead(t, r, time.Now())
	stderr := r.stderr.String()
	verdict := strings.Index(stderr, "debug1: keepalive: server not responding: nothing received for ")
	timeout := strings.Index(stderr, "Timeout, server 127.0.0.1 not responding.")
	if !strings.Contains(stderr, "(check 1 without reply; ServerAliveCountMax 2)") || verdict < 0 || verdict > timeout {
		t.Fatalf("no probe lines, or no verdict before the Timeout line:\n%s", stderr)
	}
}

var sessionID = regexp.MustCompile(`^(debug1: mux_client_request_session: master session id: )\d+$`)

// TestMuxVerboseLikeOpenSSH: a passenger of an OpenSSH master with
// ControlMaster auto at -vv prints ssh's mux lines: trying the existing
// master, the master's session id and the exit status it reported. The
// lines both print are compared in order; ssh's others here are socket
// and protocol detail gssh does not log (onlySSHMux).
func TestMuxVerboseLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	startMasterWith(t, sshBin, s, sock)
	onlySSHMux := []string{
		"debug2: resolve_canonicalize: ",       // gssh does not log canonicalisation at -vv
		"debug2: fd 3 setting O_NONBLOCK",      // ssh's socket detail
		"debug2: mux_client_hello_exchange: ",  // the master's version: not logged by gssh's mux client
		"debug1: Reading configuration data ",  // compared in TestVerboseLikeOpenSSH
		"debug1: " + s.ClientConfig + " line ", // same
	}
	run := func(prog string) []string {
		r := runClient(t, prog, nil, nil, "-vv", "-F", s.ClientConfig, "-o", "ControlMaster=auto", "-S", sock, "sshd", "exit 3")
		if r.code != 3 {
			t.Fatalf("%s: exit %d, stderr:\n%s", prog, r.code, r.stderr)
		}
		lines, _ := verboseLines(r.stderr, false)
		for i, l := range lines {
			// The master's channel number: the same here only if the
			// previous passenger's channel was freed in time.
			lines[i] = sessionID.ReplaceAllString(l, "${1}N")
		}
		return slices.DeleteFunc(lines, func(l string) bool {
			return l == "VERSION LINE" || slices.ContainsFunc(onlySSHMux, func(p string) bool { return strings.HasPrefix(l, p) })
		})
	}
	want, got := run(sshPath), run(gsshBin)
	for _, must := range []string{"debug1: auto-mux: Trying existing master", "debug2: Received exit status from master 3"} {
		if !slices.Contains(want, must) {
			t.Fatalf("ssh printed no %q: %q", must, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("passenger -vv lines differ:\n%s", verboseDiff(got, want))
	}
}
