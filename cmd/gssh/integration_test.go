//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// gsshBin is the binary under test, built once by TestMain.
var gsshBin string

func TestMain(m *testing.M) {
	if os.Getenv(foregroundJobEnv) != "" {
		os.Exit(runForegroundJob(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "gssh-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gsshBin, err = sshdtest.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	races, err := sshdtest.WatchRaces()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if sshdtest.ReportUnclaimedRaces(os.Stderr) {
		code = 1
	}
	os.RemoveAll(races)
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of a client produced.
type result struct {
	stdout, stderr string
	code           int
}

// runClient runs prog with args and stdin, bounded so a hang fails the
// test instead of stalling the suite.
func runClient(t *testing.T, prog string, stdin io.Reader, env []string, args ...string) result {
	t.Helper()
	r, err := execClient(prog, stdin, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// execClient is runClient for goroutines other than the test's, which
// must not call t.Fatal: it returns what runClient would fail on.
func execClient(prog string, stdin io.Reader, env []string, args ...string) (result, error) {
	cmd := exec.Command(prog, args...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		return result{}, fmt.Errorf("%s %q did not finish within 60s; stderr: %s", prog, args, stderr.String())
	}
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		return result{}, fmt.Errorf("%s %q: %w", prog, args, err)
	}
	return result{stdout.String(), stderr.String(), code}, nil
}

func gssh(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	return runClient(t, gsshBin, stdin, nil, args...)
}

// asGssh rewrites OpenSSH's program-name prefix so messages compare equal.
func asGssh(stderr string) string {
	return strings.ReplaceAll(stderr, "ssh: ", "gssh: ")
}

func assertNoPanic(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
		t.Fatalf("gssh panicked:\n%s", r.stderr)
	}
}

func TestCommandWithStdinAndExitStatus(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, strings.NewReader("data\n"), "-F", s.ClientConfig, "sshd", "cat; exit 7")
	if r.stdout != "data\n" || r.code != 7 {
		t.Fatalf("got stdout %q exit %d (stderr %q), want \"data\\n\" exit 7", r.stdout, r.code, r.stderr)
	}
}

func TestStdoutAndStderrStaySeparate(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	r := gssh(t, nil, "-F", s.ClientConfig, "sshd", "echo out; echo err >&2; echo out2")
	if r.stdout != "out\nout2\n" || r.stderr != "err\n" || r.code != 0 {
		t.Fatalf("got stdout %q stderr %q exit %d", r.stdout, r.stderr, r.code)
	}
}

func TestBulkDataComesBackIntact(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	data := make([]byte, 64<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gsshBin, "-F", s.ClientConfig, "sshd", "cat")
	cmd.Stdin = bytes.NewReader(data)
	hash := sha256.New()
	cmd.Stdout = hash
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gssh cat: %v: %s", err, stderr.String())
	}
	if got, want := hash.Sum(nil), sha256.Sum256(data); !bytes.Equal(got, want[:]) {
		t.Fatalf("64 MiB through cat: sha256 %x, want %x", got, want)
	}
}

// TestArgumentsJoinedLikeOpenSSH: ssh joins the words after the
// destination with single spaces and no quoting; the remote shell splits
// them again. Words that look like options belong to the command.
func TestArgumentsJoinedLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, words := range [][]string{
		{"printf", "%s|", "-a", "--b", "c d"},
		{"echo", "-n", "x", "--", "y"},
		{"--", "echo", "after-dashes"},
		{"-p", fmt.Sprint(s.Port), "echo", "options after the destination"},
	} {
		args := append([]string{"-F", s.ClientConfig, "sshd"}, words...)
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		got := gssh(t, nil, args...)
		if got != want {
			t.Errorf("%q:\n gssh %+v\n  ssh %+v", words, got, want)
		}
	}
}

// TestFailuresMatchOpenSSH runs gssh and ssh into the same failure and
// compares their stderr (program name aside) and exit status.
func TestFailuresMatchOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	emptyKnown := filepath.Join(dir, "empty_known_hosts")
	writeFile(t, emptyKnown, "")
	otherKey := filepath.Join(dir, "other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, err := os.ReadFile(otherKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	changedKnown := filepath.Join(dir, "changed_known_hosts")
	fields := strings.Fields(string(pub))
	writeFile(t, changedKnown, fmt.Sprintf("[127.0.0.1]:%d %s %s\n", s.Port, fields[0], fields[1]))
	notAKey := filepath.Join(dir, "not_a_key")
	writeFile(t, notAKey, "this is not a private key\n")
	direct := []string{"-F", "none", "-p", fmt.Sprint(s.Port), "-o", "UserKnownHostsFile=" + s.KnownHosts,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes"}

	cases := []struct {
		name string
		args []string
	}{
		{"refused port", []string{"-F", "none", "-p", "1", "127.0.0.1", "true"}},
		{"refused port, quiet", []string{"-q", "-F", "none", "-p", "1", "127.0.0.1", "true"}},
		{"unknown host", []string{"-F", "none", "no-such-host.invalid", "true"}},
		{"unknown host key, strict", []string{"-F", s.ClientConfig, "-o", "UserKnownHostsFile=" + emptyKnown, "sshd", "true"}},
		{"changed host key", []string{"-F", s.ClientConfig, "-o", "UserKnownHostsFile=" + changedKnown, "sshd", "true"}},
		{"failed auth", append(direct, "-i", otherKey, "127.0.0.1", "true")},
		{"failed auth, quiet", append(direct, "-q", "-i", otherKey, "127.0.0.1", "true")},
		{"unreadable identity", append(direct, "-i", notAKey, "127.0.0.1", "true")},
		{"missing identity", append(direct, "-i", filepath.Join(dir, "missing"), "127.0.0.1", "true")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := runClient(t, "/usr/bin/ssh", nil, nil, c.args...)
			got := gssh(t, nil, c.args...)
			assertNoPanic(t, got)
			if got.code != 255 || want.code != 255 {
				t.Errorf("exit: gssh %d, ssh %d, want 255 for both", got.code, want.code)
			}
			if got.stderr != asGssh(want.stderr) {
				t.Errorf("stderr differs\n gssh: %q\n  ssh: %q", got.stderr, want.stderr)
			}
		})
	}
}

// TestHostKeyFailureSendsNothing: when the host key is not trusted, the
// handshake stops before authentication, so sshd never sees a user.
func TestHostKeyFailureSendsNothing(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	empty := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, empty, "")
	r := gssh(t, strings.NewReader("secret input\n"), "-F", s.ClientConfig, "-o", "UserKnownHostsFile="+empty, "sshd", "cat")
	if r.code != 255 {
		t.Fatalf("exit %d, want 255 (stderr %q)", r.code, r.stderr)
	}
	log := readLog(t, s)
	for _, marker := range []string{"Accepted", "publickey", "Postponed", "Failed", "User root"} {
		if strings.Contains(log, marker) {
			t.Fatalf("sshd saw authentication (%q) after a host key failure:\n%s", marker, log)
		}
	}
}

func TestAcceptNewAppendsOneLine(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, hashed := range []string{"no", "yes"} {
		t.Run("HashKnownHosts="+hashed, func(t *testing.T) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, known, "# a comment that must stay\n")
			r := gssh(t, nil, "-F", s.ClientConfig, "-o", "UserKnownHostsFile="+known,
				"-o", "StrictHostKeyChecking=accept-new", "-o", "HashKnownHosts="+hashed, "sshd", "echo ok")
			if r.code != 0 || r.stdout != "ok\n" {
				t.Fatalf("first connection: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(readFile(t, known)), "\n")
			if len(lines) != 2 || lines[0] != "# a comment that must stay" {
				t.Fatalf("known_hosts after accept-new:\n%s", strings.Join(lines, "\n"))
			}
			if hashed == "yes" != strings.HasPrefix(lines[1], "|1|") {
				t.Fatalf("HashKnownHosts=%s wrote %q", hashed, lines[1])
			}
			// OpenSSH itself must now trust the server from that file.
			check := runClient(t, "/usr/bin/ssh", nil, nil, "-F", s.ClientConfig, "-o", "UserKnownHostsFile="+known, "sshd", "echo trusted")
			if check.code != 0 || check.stdout != "trusted\n" {
				t.Fatalf("ssh with the written line: exit %d stderr %q", check.code, check.stderr)
			}
			// A second run adds nothing.
			gssh(t, nil, "-F", s.ClientConfig, "-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking=accept-new", "sshd", "true")
			if n := len(strings.Split(strings.TrimSpace(readFile(t, known)), "\n")); n != 2 {
				t.Fatalf("second connection changed known_hosts to %d lines", n)
			}
		})
	}
}

// TestBadInputIsOneLine: bad configuration and bad flags end with one
// clear line on stderr and exit 255, never a panic.
func TestBadInputIsOneLine(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad_config")
	writeFile(t, badConfig, "Host x\n  Port 22\n  NoSuchKeyword yes\n")
	unreadable := filepath.Join(dir, "unreadable_key")
	writeFile(t, unreadable, "not a key\n")
	cases := []struct {
		name  string
		args  []string
		match string
	}{
		{"malformed config", []string{"-F", badConfig, "x", "true"}, "line 3"},
		{"unknown -o keyword", []string{"-F", "none", "-o", "NoSuchKeyword=1", "x", "true"}, "nosuchkeyword"},
		{"bad port", []string{"-F", "none", "-p", "abc", "x", "true"}, "Bad port 'abc'"},
		{"bad port in -o", []string{"-F", "none", "-o", "Port=99999", "x", "true"}, "99999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := gssh(t, nil, c.args...)
			assertNoPanic(t, r)
			if r.code != 255 {
				t.Fatalf("exit %d, want 255; stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(c.match)) {
				t.Fatalf("stderr %q does not mention %q", r.stderr, c.match)
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Fatalf("want a short message, got:\n%s", r.stderr)
			}
		})
	}
}

// TestUsageErrorsMatchOpenSSH compares what ssh prints for a bad command
// line byte for byte, "ssh: " read as "gssh: ": all of it, up to the
// usage text, which must then be gssh's own (withoutUsage).
func TestUsageErrorsMatchOpenSSH(t *testing.T) {
	badConfig := filepath.Join(t.TempDir(), "bad")
	writeFile(t, badConfig, "Host x\n  Foo bar\n")
	for _, args := range [][]string{
		{"-z"}, {"-p"}, {"-p", "abc", "x"}, {"-e", "xx", "x"}, {"-Q", "foo"},
		{"-F", "/nonexistent/config", "x"}, {"-o", "Foo=1", "x"}, {"-F", badConfig, "x"},
		{"-O", "foo", "x"}, {"-L", "bad", "x"}, {"-1", "x"}, {"-N", "-s", "x"},
		{"-J", "a", "-J", "b", "x"}, {"-W", "a:1", "-W", "b:2", "x"}, {"-c", "foo", "x"}, {"-w", "bad", "x"},
		{}, {"-s", "x"}, {"-y", "-E", "/dev/null", "x"}, {"-E", "/nonexistent/log", "x"},
	} {
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		got := gssh(t, nil, args...)
		assertNoPanic(t, got)
		wantErr, gotErr := withoutUsage(t, asGssh(want.stderr), got.stderr)
		if got.code != want.code || gotErr != wantErr {
			t.Errorf("%q:\n gssh %d %q\n  ssh %d %q", args, got.code, got.stderr, want.code, want.stderr)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readLog(t *testing.T, s *sshdtest.Server) string {
	t.Helper()
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
