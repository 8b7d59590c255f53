//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// Server-supplied text must reach the terminal as ssh renders it: these
// tests run /usr/bin/ssh and gssh against the same server and compare
// what each printed, byte for byte, under the C locale and a UTF-8 one.
// en_US.UTF-8 is not generated on the test machines, so ssh falls back
// to the C locale for it, and gssh must notice.

// hostileLocales are the LC_ALL values each comparison runs under.
var hostileLocales = []string{"C", "C.UTF-8", "en_US.UTF-8"}

// hostileText holds every byte but NUL, terminal control sequences
// (window title, clear screen, 8-bit CSI, C1 controls in UTF-8), valid
// and invalid UTF-8 and a line longer than ssh's log buffer.
func hostileText() string {
	var b strings.Builder
	for c := 1; c < 256; c++ {
		b.WriteByte(byte(c))
	}
	b.WriteString("\n\x1b]0;pwned\x07X\x1b[2J\x1b[H\x9b31m\xc2\x9b\xc2\x85\r\n")
	b.WriteString("\xe2\x82\xac \xe2\x82\n\xf0\x9f\x98\x80 \xed\xa0\x80 \xc0\xaf \xef\xbf\xbd \xe2\x80\xae \xcd\x81 \xe2\x80\xa8 \xef\xbf\xbe back\\slash\r\n")
	b.WriteString(strings.Repeat("L", 1500) + strings.Repeat("\x1b", 300) + strings.Repeat("\xc3\xa9", 300) + "\n")
	return b.String()
}

// TestServerBannerLikeOpenSSH: sshd's Banner is printed by ssh with
// utf8.c's fmprintf; gssh used to write it raw, escape sequences and all.
func TestServerBannerLikeOpenSSH(t *testing.T) {
	banner := filepath.Join(t.TempDir(), "banner")
	if err := os.WriteFile(banner, []byte(hostileText()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"Banner " + banner}})
	requireSSH(t)
	for _, loc := range hostileLocales {
		t.Run(loc, func(t *testing.T) {
			env := []string{"LC_ALL=" + loc}
			want := runClient(t, sshPath, nil, env, "-F", s.ClientConfig, "sshd", "true")
			got := runClient(t, gsshBin, nil, env, "-F", s.ClientConfig, "sshd", "true")
			if !strings.Contains(want.stderr, `\033]0;pwned\007`) {
				t.Fatalf("ssh did not print the banner: %q", want.stderr)
			}
			assertSameOutput(t, got.stderr, want.stderr, got.code, want.code)
		})
	}
}

// hostileServerConfig writes an ssh_config for a fake server at addr
// with host key key: keyboard-interactive only, one attempt.
func hostileServerConfig(t *testing.T, addr string, key ssh.PublicKey) string {
	t.Helper()
	dir := t.TempDir()
	_, port, _ := strings.Cut(addr, ":")
	kh := filepath.Join(dir, "known_hosts")
	line := ""
	if key != nil {
		line = fmt.Sprintf("[127.0.0.1]:%s %s", port, ssh.MarshalAuthorizedKey(key))
	}
	if err := os.WriteFile(kh, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssh_config")
	text := fmt.Sprintf(`Host hostile
	HostName 127.0.0.1
	Port %s
	User u
	UserKnownHostsFile %s
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	PreferredAuthentications keyboard-interactive
	NumberOfPasswordPrompts 1
	PubkeyAuthentication no
	IdentityAgent none
`, port, kh)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// promptEnd ends every hostile prompt, so the tests know when to answer
// whatever the rendering before it.
const promptEnd = "END: "

// onTerminal runs prog on a fresh pty under LC_ALL=loc, answers one
// prompt if answer is set, and returns what the terminal showed and the
// exit status.
func onTerminal(t *testing.T, loc, prog string, answer bool, args ...string) (string, int) {
	t.Helper()
	p := startPtyCommand(t, 24, 80, []string{"LC_ALL=" + loc}, prog, args...)
	if answer {
		p.waitFor(promptEnd, 20*time.Second)
		waitNoEcho(t, p, 20*time.Second)
		p.typeText("x\r")
	}
	code := p.wait(20 * time.Second)
	// With the last slave descriptor closed the master returns what is
	// left and then EIO: all the output, without a guess at timing.
	p.tty.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.readErr == nil {
		p.cond.Wait()
	}
	return p.output.String(), code
}

// TestKeyboardInteractiveTextsLikeOpenSSH: ssh logs the name and the
// instruction (log.c: strnvis, cut to its buffer) and renders the prompt
// with asmprintf; gssh used to print all three raw.
func TestKeyboardInteractiveTextsLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	texts := faults.HostileTexts{
		Banner:      "banner \x1b]0;t\x07\xc3\xa9\r\n",
		Name:        "name \x1b[2J\\ \xc3\xa9 \a\b\x7f",
		Instruction: hostileText(),
		Prompt:      "prompt \x1b]0;x\x07 \xc3\xa9 \x9b\xc2\x9b " + promptEnd,
	}
	addr, key := faults.HostileAuthServer(t, texts)
	cfg := hostileServerConfig(t, addr, key)
	for _, loc := range hostileLocales {
		t.Run(loc, func(t *testing.T) {
			want, wantCode := onTerminal(t, loc, sshPath, true, "-F", cfg, "hostile", "true")
			got, gotCode := onTerminal(t, loc, gsshBin, true, "-F", cfg, "hostile", "true")
			if !strings.Contains(want, `(u@127.0.0.1) prompt \033]0;x\007`) {
				t.Fatalf("ssh did not show the prompt: %q", want)
			}
			// gssh ends a password line with "\r\n" where ssh writes
			// "\n" (client/prompt.go), which the pty turns into
			// "\r\r\n"; that is not server text.
			got = strings.Replace(got, promptEnd+"\r\r\n", promptEnd+"\r\n", 1)
			assertSameOutput(t, got, want, gotCode, wantCode)
		})
	}
}

// TestNULInServerStringLikeOpenSSH: ssh reads the banner and the
// keyboard-interactive texts with sshpkt_get_cstring, which refuses a NUL
// byte, and ends the connection; gssh used to print what came before the
// NUL and go on.
func TestNULInServerStringLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	for _, tc := range []struct {
		name  string
		texts faults.HostileTexts
	}{
		{"banner", faults.HostileTexts{Banner: "before\x00after\n", Prompt: promptEnd}},
		{"name", faults.HostileTexts{Name: "before\x00after", Prompt: promptEnd}},
		{"instruction", faults.HostileTexts{Instruction: "before\x00after", Prompt: promptEnd}},
		{"prompt", faults.HostileTexts{Prompt: "before\x00after " + promptEnd}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, key := faults.HostileAuthServer(t, tc.texts)
			cfg := hostileServerConfig(t, addr, key)
			want, wantCode := onTerminal(t, "C.UTF-8", sshPath, false, "-F", cfg, "hostile", "true")
			got, gotCode := onTerminal(t, "C.UTF-8", gsshBin, false, "-F", cfg, "hostile", "true")
			if !strings.Contains(want, "invalid format") {
				t.Fatalf("ssh did not refuse the NUL: %q", want)
			}
			assertSameOutput(t, got, want, gotCode, wantCode)
		})
	}
}

// TestDisconnectReasonLikeOpenSSH: ssh logs a DISCONNECT's reason (cut to
// 400 bytes, made safe by its log functions) at ERROR and "Disconnected
// from" at INFO; gssh used to print the reason raw.
func TestDisconnectReasonLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	for _, tc := range []struct {
		name, reason string
		opts         []string
	}{
		{"hostile", "bye \x1b]0;pwned\x07 \x1b[2J \\ \xc3\xa9 \xc2\x9b\r\n\x7f" + strings.Repeat("\x1b", 200), nil},
		{"long", strings.Repeat("Z", 600), nil},
		{"NUL", "before\x00after", nil},
		{"LogLevel ERROR", "bye \x1b[2J", []string{"-o", "LogLevel=ERROR"}},
		{"quiet", "bye \x1b[2J", []string{"-q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := faults.DisconnectServer(t, 2, tc.reason)
			cfg := hostileServerConfig(t, addr, nil)
			for _, loc := range []string{"C", "C.UTF-8"} {
				env := []string{"LC_ALL=" + loc}
				args := append(append([]string{"-F", cfg}, tc.opts...), "hostile", "true")
				want := runClient(t, sshPath, nil, env, args...)
				got := runClient(t, gsshBin, nil, env, args...)
				if tc.opts == nil && !strings.Contains(want.stderr, "Received disconnect from 127.0.0.1") {
					t.Fatalf("ssh did not report the disconnect: %q", want.stderr)
				}
				assertSameOutput(t, got.stderr, want.stderr, got.code, want.code)
			}
		})
	}
}

// assertSameOutput compares gssh's output and status with ssh's, showing
// the first difference.
func assertSameOutput(t *testing.T, got, want string, gotCode, wantCode int) {
	t.Helper()
	if got == want && gotCode == wantCode {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-60)
	t.Errorf("exit %d, ssh %d; output differs at byte %d:\n gssh: %q\n  ssh: %q",
		gotCode, wantCode, i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
	if bytes.ContainsAny([]byte(got), "\x1b\x9b") {
		t.Errorf("gssh wrote a raw ESC or CSI to the terminal")
	}
}

// requireSSH fails the test when /usr/bin/ssh, the reference, is missing.
func requireSSH(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(sshPath); err != nil {
		t.Fatalf("%s is needed to compare with: %v", sshPath, err)
	}
}

// hostileShort is a one-line hostile string for the messages ssh logs
// through its log functions.
const hostileShort = "x\x1b]0;pwned\x07 \x1b[2J \x9b31m \xc3\xa9 \\ \x7f\r\n\ty"

// TestSessionServerTextsLikeOpenSSH: a channel-open failure's message
// (here for -W), a forwarding request for a path never forwarded, and a
// channel request's type (at -v) are all server text ssh logs through
// strnvis; gssh printed them raw.
func TestSessionServerTextsLikeOpenSSH(t *testing.T) {
	requireSSH(t)
	addr, key := faults.HostileSessionServer(t, faults.HostileSession{
		OpenFailure:   "refused " + hostileShort + strings.Repeat("\x1b", 300),
		ForwardedPath: "/tmp/unknown " + hostileShort,
		RequestType:   "type " + hostileShort,
	})
	cfg := hostileServerConfig(t, addr, key)
	sock := filepath.Join(t.TempDir(), "fwd.sock")
	for _, tc := range []struct {
		name  string
		args  []string
		lines string // only lines holding this are compared
	}{
		{"open failure", []string{"-W", "127.0.0.1:9", "hostile"}, ""},
		{"unknown forwarded path", []string{"-R", sock + ":127.0.0.1:9", "hostile", "true"}, ""},
		{"request type", []string{"-v", "hostile", "true"}, "rtype type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, loc := range []string{"C", "C.UTF-8"} {
				env := []string{"LC_ALL=" + loc}
				args := append([]string{"-F", cfg}, tc.args...)
				want := runClient(t, sshPath, nil, env, args...)
				got := runClient(t, gsshBin, nil, env, args...)
				wantErr, gotErr := want.stderr, got.stderr
				if tc.lines != "" {
					wantErr = linesWith(wantErr, tc.lines)
					gotErr = linesWith(gotErr, tc.lines)
				}
				if !strings.Contains(wantErr, `\033]0;pwned`) {
					t.Fatalf("ssh did not log the server's text: %q", want.stderr)
				}
				assertSameOutput(t, gotErr, wantErr, got.code, want.code)
			}
		})
	}
}

// linesWith keeps the "\r\n"-ended lines of s that contain sub.
func linesWith(s, sub string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\r\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// waitNoEcho waits until the password prompt has turned echo off: gssh
// writes the prompt first (client/prompt.go), and an answer typed before
// would be echoed. The state is polled, as no event announces a termios
// change.
func waitNoEcho(t *testing.T, p *ptySession, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		tio, err := termios(p.tty)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("echo still on after %v; terminal shows:\n%q", timeout, p.screen())
		}
	}
}

// TestConnInfoServerVersionIsSafe: -O conninfo (OpenSSH 10.3's, which
// 9.2 lacks, so there is nothing to compare with) prints the server's
// version line, which the server chose; it used to come out raw.
func TestConnInfoServerVersionIsSafe(t *testing.T) {
	addr, key := faults.HostileSessionServer(t, faults.HostileSession{
		// x/crypto's server refuses bytes below 0x20 in its own line.
		Version: "SSH-2.0-evil\x9b2J\xc2\x9b0m\xc3\xa9\x7f",
	})
	cfg := hostileServerConfig(t, addr, key)
	sock := filepath.Join(t.TempDir(), "ctl")
	logf, err := os.Create(filepath.Join(filepath.Dir(sock), "master.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	start := exec.Command(gsshBin, "-F", cfg, "-M", "-S", sock, "-fN", "hostile")
	start.Stdout, start.Stderr = logf, logf
	if err := start.Run(); err != nil {
		t.Fatalf("master: %v\n%s", err, readFile(t, logf.Name()))
	}
	pid := checkMaster(t, gsshBin, cfg, sock)
	stopMaster(t, gsshBin, cfg, sock, pid)
	r := runClient(t, gsshBin, nil, nil, "-F", cfg, "-S", sock, "-O", "conninfo", "hostile")
	want := `server version SSH-2.0-evil\2332J\302\2330m\303\251\177, client version`
	if r.code != 0 || !strings.Contains(r.stdout, want) || strings.IndexByte(r.stdout, 0x9b) >= 0 || strings.IndexByte(r.stdout, 0x7f) >= 0 {
		t.Fatalf("-O conninfo: exit %d, stdout %q, stderr %q; want it to hold %q", r.code, r.stdout, r.stderr, want)
	}
}
