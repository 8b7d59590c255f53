//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// quoteCases are commands that break naive quoting.
var quoteCases = []string{
	"", "plain", "a b  c", "it's", "''", `"double" and 'single'`, `$HOME ${PATH} $(id) ` + "`id`",
	`back\slash \' \\`, "new\nline\n", "tab\there", "; exit 7 #", "*", "-n", "é ü \u2028", "'\\''",
}

// shEcho runs printf %s WORD through /bin/sh -c and returns what the
// shell made of the word.
func shEcho(t testing.TB, word string) string {
	out, err := exec.Command("/bin/sh", "-c", "printf %s "+word).Output()
	if err != nil {
		t.Fatalf("sh -c printf %%s %s: %v", word, err)
	}
	return string(out)
}

// TestShellQuoteRoundTrip: every string comes back unchanged from a
// POSIX shell.
func TestShellQuoteRoundTrip(t *testing.T) {
	for _, s := range quoteCases {
		if got := shEcho(t, shellQuote(s)); got != s {
			t.Errorf("shellQuote(%q) came back as %q", s, got)
		}
	}
}

// FuzzShellQuote: any string without NUL survives /bin/sh -c unchanged.
func FuzzShellQuote(f *testing.F) {
	for _, s := range quoteCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			return // no command line can hold a NUL
		}
		if got := shEcho(t, shellQuote(s)); got != s {
			t.Fatalf("shellQuote(%q) came back as %q", s, got)
		}
	})
}

// runWrapped runs the --remote-timeout wrapping of command as sshd would:
// shell -c LINE, with SHELL set, in a process group of its own (the
// watchdog signals its group), and PATH as given.
func runWrapped(t *testing.T, shell, path, command string, limit, grace time.Duration) (stdout string, code int, sig syscall.Signal, took time.Duration) {
	t.Helper()
	cmd := exec.Command(shell, "-c", remoteTimeoutCommand(command, limit, grace))
	cmd.Env = []string{"SHELL=" + shell, "PATH=" + path}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			sig = ws.Signal()
		}
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), code, sig, took
}

// wrapperModes are the two ways the wrapper bounds a command: timeout(1)
// when PATH has it, the sh watchdog when it does not.
func wrapperModes(t *testing.T) map[string]string {
	noTimeout := t.TempDir()
	for _, prog := range []string{"sleep", "printf", "id"} {
		p, err := exec.LookPath(prog)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(noTimeout, prog)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Fatalf("timeout(1) is needed for this test: %v", err)
	}
	return map[string]string{"timeout(1)": os.Getenv("PATH"), "sh watchdog": noTimeout}
}

// TestRemoteTimeoutWrapperIsTransparent: under the wrapper a command
// prints what it prints unwrapped and exits with its status, whatever it
// holds, through dash and bash, with timeout(1) and with the watchdog.
func TestRemoteTimeoutWrapperIsTransparent(t *testing.T) {
	cmds := []string{
		`printf '%s|' "a b" '$HOME' "it's" \$x; echo`,
		"echo one\necho 'two'\nexit 3",
		`x='$(echo no)'; printf '%s\n' "$x" "$0"`,
		`trap 'echo trapped' EXIT; echo body`,
		`printf '%s\n' "$@"`,
	}
	for mode, path := range wrapperModes(t) {
		for _, shell := range []string{"/bin/sh", "/bin/bash"} {
			for _, c := range cmds {
				want, werr := exec.Command(shell, "-c", c).CombinedOutput()
				wantCode := 0
				var exitErr *exec.ExitError
				if errors.As(werr, &exitErr) {
					wantCode = exitErr.ExitCode()
				}
				got, code, _, _ := runWrapped(t, shell, path, c, 10*time.Second, time.Second)
				// $0 of the inner shell is the shell's own name in both runs.
				if got != string(want) || code != wantCode {
					t.Errorf("%s, %s, %q: got %q exit %d, want %q exit %d", mode, shell, c, got, code, string(want), wantCode)
				}
			}
		}
	}
}

// uniqueSleep is a sleep of about 30 s whose command line no other
// process has, for pgrep.
func uniqueSleep() string { return fmt.Sprintf("sleep 30.%09d", rand.IntN(1e9)) }

func pgrep(t *testing.T, pattern string) string {
	out, _ := exec.Command("pgrep", "-f", "-x", pattern).Output()
	return strings.TrimSpace(string(out))
}

// TestRemoteTimeoutWrapperEndsCommand: the wrapper ends a long command
// at the limit (exit 124), kills one that ignores TERM after the grace,
// and leaves no process behind; in both modes.
func TestRemoteTimeoutWrapperEndsCommand(t *testing.T) {
	for mode, path := range wrapperModes(t) {
		t.Run(mode, func(t *testing.T) {
			s := uniqueSleep()
			_, code, sig, took := runWrapped(t, "/bin/sh", path, "echo start; "+s+"; echo never", time.Second, time.Second)
			t.Logf("%s: exit %d signal %v after %v", s, code, sig, took.Round(time.Millisecond))
			if code != 124 || took > 1800*time.Millisecond {
				t.Errorf("exit %d after %v, want 124 after about 1s", code, took)
			}
			if p := pgrep(t, s); p != "" {
				t.Errorf("%q left running: %s", s, p)
			}

			s = uniqueSleep()
			_, code, sig, took = runWrapped(t, "/bin/sh", path, "trap '' TERM; "+s, time.Second, time.Second)
			t.Logf("TERM ignored: exit %d signal %v after %v", code, sig, took.Round(time.Millisecond))
			// timeout(1) exits 137 after KILL; the watchdog's KILL ends
			// its own shell too.
			if !(code == 137 || sig == syscall.SIGKILL) || took < 1900*time.Millisecond || took > 2800*time.Millisecond {
				t.Errorf("exit %d signal %v after %v, want KILL after about 2s", code, sig, took)
			}
			if p := pgrep(t, s); p != "" {
				t.Errorf("%q left running: %s", s, p)
			}
		})
	}
}

// TestRemoteTimeoutAsRoot is issue 16's acceptance: as root, whose
// signal requests sshd 9.2 refuses, --timeout 2 --remote-timeout exits
// 124 and nothing is left on the server 2 + kill-after + 1 s after the
// start; a command that ignores TERM is killed after the grace. The line
// says the server's timeout ended it.
func TestRemoteTimeoutAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test logs in as root; run it as root (CI does)")
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, c := range []struct {
		name, cmd, want string
		minTook         time.Duration
		extra           []string
	}{
		{"sleep", "%s", "ended the remote command", 2 * time.Second, nil},
		{"pty", "%s", "ended the remote command", 2 * time.Second, []string{"-tt"}},
		{"ignores TERM", "trap '' TERM; echo \"it's \\$HOME\"; %s", "killed the remote command after the grace", 3 * time.Second, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			sl := uniqueSleep()
			start := time.Now()
			args := append([]string{"-F", s.ClientConfig, "--timeout", "2", "--kill-after", "1", "--remote-timeout"}, c.extra...)
			r := gssh(t, nil, append(args, "sshd", fmt.Sprintf(c.cmd, sl))...)
			took := time.Since(start)
			t.Logf("exit %d after %v: stdout %q stderr %q", r.code, took.Round(time.Millisecond), r.stdout, r.stderr)
			want := "gssh: timeout after 2s: the server's own timeout (--remote-timeout) " + c.want + "\r\n"
			if r.code != 124 || r.stderr != want {
				t.Fatalf("exit %d stderr %q, want 124 and %q", r.code, r.stderr, want)
			}
			if took < c.minTook || took > c.minTook+2*time.Second {
				t.Errorf("took %v", took)
			}
			waitRemoteGone(t, s, sl, 2*time.Second+time.Second+time.Second-time.Since(start))
		})
	}
}

// TestRemoteTimeoutPaths: -G prints the same configuration with the
// flags as without (ssh -G shows RemoteCommand as configured), and the
// flag is refused where there is no command to bound.
func TestRemoteTimeoutPaths(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	plain := gssh(t, nil, "-F", s.ClientConfig, "-o", "RemoteCommand=echo 'hi'", "-G", "sshd")
	r := gssh(t, nil, "-F", s.ClientConfig, "-o", "RemoteCommand=echo 'hi'", "--timeout", "3", "--remote-timeout", "-G", "sshd")
	if r.code != 0 || r.stdout != plain.stdout || !strings.Contains(r.stdout, "remotecommand echo 'hi'\n") {
		t.Errorf("-G: exit %d, output differs from plain -G:\n%s", r.code, r.stdout)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--remote-timeout", "sshd", "true"}, "gssh: --remote-timeout needs --timeout\n"},
		{[]string{"--timeout", "2", "--remote-timeout", "-N", "sshd"}, "gssh: --remote-timeout needs a remote command\r\n"},
		{[]string{"--timeout", "2", "--remote-timeout", "-s", "sshd", "sftp"}, "gssh: --remote-timeout cannot bound a subsystem\r\n"},
		{[]string{"--timeout", "2", "--remote-timeout", "-W", "127.0.0.1:1", "sshd"}, "gssh: --remote-timeout needs a remote command\r\n"},
	} {
		r := gssh(t, nil, append([]string{"-F", s.ClientConfig}, c.args...)...)
		if r.code != 255 || r.stderr != c.want {
			t.Errorf("%q: exit %d stderr %q, want 255 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestRemoteTimeoutThroughMasters: as root, a passenger's --remote-timeout
// command is bounded by the server whether its master is gssh (whose
// signal sshd refuses) or OpenSSH (which has no signal request), with the
// same line and 124; a RemoteCommand is wrapped too.
func TestRemoteTimeoutThroughMasters(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test logs in as root; run it as root (CI does)")
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	want := "gssh: timeout after 2s: the server's own timeout (--remote-timeout) ended the remote command\r\n"
	for _, prog := range []string{gsshBin, sshBin} {
		t.Run(filepath.Base(prog)+" master", func(t *testing.T) {
			sock := filepath.Join(muxDir(t), "ctl")
			startMasterWith(t, prog, s, sock)
			sl := uniqueSleep()
			start := time.Now()
			r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "--timeout", "2", "--kill-after", "1", "--remote-timeout", "sshd", sl)
			took := time.Since(start)
			t.Logf("exit %d after %v: %q", r.code, took.Round(time.Millisecond), r.stderr)
			if r.code != 124 || r.stderr != want {
				t.Fatalf("exit %d stderr %q, want 124 and %q", r.code, r.stderr, want)
			}
			waitRemoteGone(t, s, sl, 4*time.Second-time.Since(start))
		})
	}
	t.Run("RemoteCommand", func(t *testing.T) {
		sl := uniqueSleep()
		start := time.Now()
		r := gssh(t, nil, "-F", s.ClientConfig, "-o", "RemoteCommand="+sl, "--timeout", "2", "--kill-after", "1", "--remote-timeout", "sshd")
		t.Logf("exit %d: %q", r.code, r.stderr)
		if r.code != 124 || !strings.Contains(r.stderr, "the server's own timeout (--remote-timeout) ended") {
			t.Fatalf("exit %d stderr %q", r.code, r.stderr)
		}
		waitRemoteGone(t, s, sl, 4*time.Second-time.Since(start))
	})
}
