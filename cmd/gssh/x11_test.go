//go:build unix

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// xvfb is a private X server for a test: Xvfb on a free display number,
// its one cookie in an XAUTHORITY file of the test's own.
type xvfb struct {
	display    string // ":N"
	xauthority string
}

// env is what a client of the display runs with.
func (x xvfb) env() []string {
	return []string{"DISPLAY=" + x.display, "XAUTHORITY=" + x.xauthority}
}

// xvfbScreen is the size Xvfb is started with, which xdpyinfo reports.
const xvfbScreen = "640x480"

// startXvfb starts `Xvfb -displayfd 3 -nolisten tcp -noreset -auth FILE`
// and stops it when the test ends. -noreset keeps the cookies xauth
// generates: without it the X server resets, and forgets them, when
// its last client (xauth generate itself) disconnects.
func startXvfb(t *testing.T) xvfb {
	t.Helper()
	for _, p := range []string{"Xvfb", "xauth", "xdpyinfo", "xprop"} {
		testenv.LookPath(t, p)
	}
	dir := t.TempDir()
	x := xvfb{xauthority: filepath.Join(dir, "Xauthority")}
	cookie := make([]byte, 16)
	rand.Read(cookie)
	// The X server takes every cookie of its -auth file, whatever display
	// the entry names; the client's entry for :N is added once N is known.
	xauth := func(display string) {
		t.Helper()
		out, err := exec.Command("xauth", "-f", x.xauthority, "add", display, "MIT-MAGIC-COOKIE-1", hex.EncodeToString(cookie)).CombinedOutput()
		if err != nil {
			t.Fatalf("xauth add: %v\n%s", err, out)
		}
	}
	xauth(":0")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "xvfb.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", xvfbScreen+"x24",
		"-nolisten", "tcp", "-noreset", "-auth", x.xauthority)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("Xvfb did not report its display:\n%s", log)
		}
		x.display = ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not report its display within 30s")
	}
	xauth(x.display)
	return x
}

// x11Server is an sshd that forwards X11 (sshd runs xauth for the login,
// whose home must be writable: the test user's is).
func x11Server(t *testing.T, x xvfb) *sshdtest.Server {
	t.Helper()
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{
		"X11Forwarding yes", "X11UseLocalhost yes", "XAuthLocation /usr/bin/xauth"}})
	// The first X11 login ever makes sshd's xauth say that ~/.Xauthority
	// does not exist yet (on the remote stderr): have it said here.
	warm := exec.Command("/usr/bin/ssh", "-F", s.ClientConfig, "-o", "ForwardX11=yes", "sshd-user", "true")
	warm.Env = withoutEnv([]string{"DISPLAY", "XAUTHORITY"}, x.env()...)
	warm.Run()
	return s
}

// withoutEnv is os.Environ() less the named variables, plus extra.
func withoutEnv(names []string, extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || n == name
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// runBoth runs ssh and gssh with the same environment and arguments and
// fails the test unless both exit alike with the same stderr lines (after
// drop removes lines only one of them prints for reasons other than
// X11). It returns gssh's result.
func runBoth(t *testing.T, env []string, drop func(line string) bool, args ...string) result {
	t.Helper()
	clean := func(r result) []string {
		var keep []string
		for _, l := range strings.Split(strings.ReplaceAll(asGssh(r.stderr), "\r\n", "\n"), "\n") {
			if l != "" && (drop == nil || !drop(l)) {
				keep = append(keep, l)
			}
		}
		return keep
	}
	want := runClientEnv(t, "/usr/bin/ssh", env, args...)
	got := runClientEnv(t, gsshBin, env, args...)
	assertNoPanic(t, got)
	if got.code != want.code || strings.Join(clean(got), "\n") != strings.Join(clean(want), "\n") {
		t.Errorf("%q:\ngssh: exit %d, stdout %q, stderr %q\nssh:  exit %d, stdout %q, stderr %q",
			args, got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
	}
	if got.stdout != want.stdout {
		t.Errorf("%q: stdout differs:\ngssh: %q\nssh:  %q", args, got.stdout, want.stdout)
	}
	return got
}

// xdpyinfoCmd prints the lines of xdpyinfo that do not depend on the
// display number, then whether xprop could read the root window.
const xdpyinfoCmd = `xdpyinfo | grep -E '^(vendor string|  dimensions):'; xprop -root >/dev/null && echo xprop ok`

// TestX11Forwarding runs remote X clients through gssh and ssh side by
// side against Xvfb: -X (trusted, Debian's default), -Y, untrusted
// cookies from xauth generate, no -X, the ForwardX11Timeout refusal, a
// remote client presenting the wrong cookie, and the refusals of DISPLAY
// unset or unsafe, xauth missing and a server without X11Forwarding.
func TestX11Forwarding(t *testing.T) {
	x := startXvfb(t)
	s := x11Server(t, x)
	env := withoutEnv([]string{"DISPLAY", "XAUTHORITY"}, x.env()...)
	base := []string{"-F", s.ClientConfig}
	// Lines of ssh's at LogLevel VERBOSE that are not X11's.
	notAuthenticated := func(l string) bool {
		return strings.HasPrefix(l, "Authenticated to ") || strings.HasPrefix(l, "Transferred: ") ||
			strings.HasPrefix(l, "Bytes per second: ")
	}

	for _, tc := range []struct {
		name   string
		args   []string
		stdout string // what gssh's stdout must contain
		stderr string // what gssh's stderr must contain
	}{
		{"trusted -X", []string{"-X", "sshd-user", xdpyinfoCmd}, "  dimensions:    " + xvfbScreen + " pixels", ""},
		{"-Y", []string{"-Y", "sshd-user", xdpyinfoCmd}, "xprop ok", ""},
		{"untrusted", []string{"-X", "-o", "ForwardX11Trusted=no", "sshd-user", xdpyinfoCmd}, "  dimensions:    " + xvfbScreen + " pixels", ""},
		{"untrusted by config keyword", []string{"-o", "ForwardX11=yes", "-o", "ForwardX11Trusted=no", "-o", "XAuthLocation=/usr/bin/xauth", "sshd-user", "xdpyinfo >/dev/null && echo ok"}, "ok", ""},
		{"no -X", []string{"sshd-user", "xdpyinfo"}, "", `xdpyinfo:  unable to open display "".`},
		{"-x after -X", []string{"-X", "-x", "sshd-user", "xdpyinfo"}, "", `unable to open display ""`},
		{"timeout", []string{"-o", "LogLevel=VERBOSE", "-X", "-o", "ForwardX11Trusted=no", "-o", "ForwardX11Timeout=1", "sshd-user", "sleep 3; xdpyinfo"},
			"", "Rejected X11 connection after ForwardX11Timeout expired"},
		{"wrong cookie", []string{"-X", "sshd-user", "XAUTHORITY=/dev/null xdpyinfo"}, "", "X11 connection rejected because of wrong authentication."},
		{"xauth missing, trusted", []string{"-X", "-o", "XAuthLocation=/nonexistent/xauth", "sshd-user", "xdpyinfo"},
			"", "Warning: No xauth data; using fake authentication data for X11 forwarding."},
		{"xauth missing, untrusted", []string{"-X", "-o", "ForwardX11Trusted=no", "-o", "XAuthLocation=/nonexistent/xauth", "sshd-user", "xdpyinfo"},
			"", "Warning: untrusted X11 forwarding setup failed: xauth key data not generated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBoth(t, env, notAuthenticated, append(base, tc.args...)...)
			if !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("gssh: stdout %q (want %q), stderr %q (want %q)", r.stdout, tc.stdout, r.stderr, tc.stderr)
			}
		})
	}

	// ssh does not end while an X11 connection is open, even after the
	// session's channel has closed: a remote "xterm &" lives on. The X
	// client here connects, the shell ends a second later, and the X
	// client four seconds after its start.
	t.Run("X client outlives the session", func(t *testing.T) {
		const remote = `sh -c 'xprop -root -spy >/dev/null 2>&1 & p=$!; sleep 4; kill $p' </dev/null >/dev/null 2>&1 & sleep 1; echo started`
		for _, prog := range []string{"/usr/bin/ssh", gsshBin} {
			start := time.Now()
			r := runClientEnv(t, prog, env, append(base, "-X", "sshd-user", remote)...)
			took := time.Since(start)
			if r.code != 0 || r.stdout != "started\n" || took < 3*time.Second {
				t.Errorf("%s: exit %d, stdout %q, stderr %q after %v; want 0 after the X client's 4 s", prog, r.code, r.stdout, r.stderr, took)
			}
		}
	})

	t.Run("DISPLAY unset", func(t *testing.T) {
		env := withoutEnv([]string{"DISPLAY"})
		r := runBoth(t, env, nil, append(base, "-X", "sshd-user", "echo ${DISPLAY:-none}")...)
		if r.stdout != "none\n" {
			t.Errorf("remote DISPLAY %q, want none", r.stdout)
		}
		// ssh says so at debug level only.
		g := runClientEnv(t, gsshBin, env, append(base, "-v", "-X", "sshd-user", "true")...)
		w := runClientEnv(t, "/usr/bin/ssh", env, append(base, "-v", "-X", "sshd-user", "true")...)
		const line = "X11 forwarding requested but DISPLAY not set\r\n"
		if !strings.Contains(w.stderr, line) || !strings.Contains(g.stderr, line) {
			t.Errorf("want %q from both; gssh stderr:\n%s", line, g.stderr)
		}
	})

	t.Run("DISPLAY with unsafe characters", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		bad := ":0;touch " + marker
		env := withoutEnv([]string{"DISPLAY"}, "DISPLAY="+bad)
		r := runBoth(t, env, nil, append(base, "-X", "sshd-user", "echo ${DISPLAY:-none}")...)
		want := `DISPLAY "` + bad + `" invalid; disabling X11 forwarding`
		if !strings.Contains(r.stderr, want) || r.stdout != "none\n" {
			t.Errorf("stderr %q, stdout %q; want %q and no DISPLAY", r.stderr, r.stdout, want)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("DISPLAY reached a shell: %s exists", marker)
		}
	})

	// As ssh, no X11 for a server whose host key did not match, even
	// when StrictHostKeyChecking=no lets the connection go on.
	t.Run("changed host key", func(t *testing.T) {
		dir := t.TempDir()
		key := filepath.Join(dir, "other")
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		pub := readFile(t, key+".pub")
		kh := filepath.Join(dir, "known_hosts")
		host, _, _ := strings.Cut(s.KnownHostsLine(), " ")
		writeFile(t, kh, host+" "+pub)
		r := runBoth(t, env, nil, append(base, "-o", "UserKnownHostsFile="+kh, "-o", "StrictHostKeyChecking=no",
			"-X", "sshd-user", "echo ${DISPLAY:-none}")...)
		if !strings.Contains(r.stderr, "X11 forwarding is disabled to avoid man-in-the-middle attacks.") || r.stdout != "none\n" {
			t.Errorf("stderr %q, stdout %q", r.stderr, r.stdout)
		}
	})

	t.Run("server refuses", func(t *testing.T) {
		plain := sshdtest.Start(t, sshdtest.Options{}) // X11Forwarding no
		r := runBoth(t, env, nil, "-F", plain.ClientConfig, "-X", "sshd-user", "echo ${DISPLAY:-none}")
		if !strings.Contains(r.stderr, "X11 forwarding request failed on channel 0") || r.stdout != "none\n" {
			t.Errorf("stderr %q, stdout %q", r.stderr, r.stdout)
		}
	})
}

// runClientEnv is runClient with exactly env as the environment.
func runClientEnv(t *testing.T, prog string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %q did not finish within 60s; stderr: %s", prog, args, stderr.String())
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// startX11Master starts a background master `prog -F cfg -M -S sock -fN
// -X sshd-user` (x11 in place of -X when given) in env and returns its
// pid; it is stopped when the test ends.
func startX11Master(t *testing.T, prog string, s *sshdtest.Server, sock string, env []string, x11 ...string) int {
	t.Helper()
	if x11 == nil {
		x11 = []string{"-X"}
	}
	args := append([]string{"-F", s.ClientConfig, "-M", "-S", sock, "-fN"}, x11...)
	args = append(args, "sshd-user")
	logf, err := os.Create(filepath.Join(filepath.Dir(sock), filepath.Base(prog)+"-master.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(logf.Name())
		t.Fatalf("%s %q: %v\n%s", prog, args, err, log)
	}
	pid := checkMaster(t, prog, s.ClientConfig, sock)
	stopMaster(t, prog, s.ClientConfig, sock, pid)
	return pid
}

// TestX11ThroughMaster: as mux.c, a master asks for X11 forwarding on a
// passenger's session when the passenger asks (its ForwardX11, sent in
// NEW_SESSION) and the master's own ForwardX11 is on, with the master's
// DISPLAY and xauth: the passengers here have no DISPLAY at all. Every
// pairing of gssh and ssh as master and passenger gives the same result.
func TestX11ThroughMaster(t *testing.T) {
	x := startXvfb(t)
	s := x11Server(t, x)
	masterEnv := withoutEnv([]string{"DISPLAY", "XAUTHORITY"}, x.env()...)
	passengerEnv := withoutEnv([]string{"DISPLAY", "XAUTHORITY"})
	dir := muxDir(t)
	socks := map[string]string{}
	for _, m := range []struct{ name, prog string }{{"gssh", gsshBin}, {"ssh", "/usr/bin/ssh"}} {
		socks[m.name] = filepath.Join(dir, m.name)
		startX11Master(t, m.prog, s, socks[m.name], masterEnv)
	}
	for _, master := range []string{"gssh", "ssh"} {
		for _, passenger := range []struct{ name, prog string }{{"gssh", gsshBin}, {"ssh", "/usr/bin/ssh"}} {
			t.Run(passenger.name+" passenger of "+master+" master", func(t *testing.T) {
				base := []string{"-F", s.ClientConfig, "-S", socks[master]}
				r := runClientEnv(t, passenger.prog, passengerEnv, append(base, "-X", "sshd-user", xdpyinfoCmd)...)
				if r.code != 0 || !strings.Contains(r.stdout, "  dimensions:    "+xvfbScreen+" pixels") || !strings.Contains(r.stdout, "xprop ok") {
					t.Errorf("-X: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
				}
				// Without -X the passenger does not ask, and the master
				// does not forward.
				r = runClientEnv(t, passenger.prog, passengerEnv, append(base, "sshd-user", "xdpyinfo")...)
				if r.code != 1 || !strings.Contains(r.stderr, `unable to open display ""`) {
					t.Errorf("no -X: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
				}
			})
		}
	}
}

// TestX11ThroughMasterRefused: a master without ForwardX11 does not
// forward for a passenger that asks, and a server's refusal reaches the
// passenger's stderr as mux.c writes it (`X11 forwarding request
// failed`), for gssh and ssh masters alike.
func TestX11ThroughMasterRefused(t *testing.T) {
	x := startXvfb(t)
	s := x11Server(t, x)
	plain := sshdtest.Start(t, sshdtest.Options{}) // X11Forwarding no
	masterEnv := withoutEnv([]string{"DISPLAY", "XAUTHORITY"}, x.env()...)
	passengerEnv := withoutEnv([]string{"DISPLAY", "XAUTHORITY"})
	dir := muxDir(t)
	for _, m := range []struct{ name, prog string }{{"gssh", gsshBin}, {"ssh", "/usr/bin/ssh"}} {
		noX := filepath.Join(dir, m.name+"-nox")
		startX11Master(t, m.prog, s, noX, masterEnv, "-x")
		refused := filepath.Join(dir, m.name+"-refused")
		startX11Master(t, m.prog, plain, refused, masterEnv)
		t.Run(m.name+" master", func(t *testing.T) {
			r := runClientEnv(t, gsshBin, passengerEnv, "-F", s.ClientConfig, "-S", noX, "-X", "sshd-user", "echo ${DISPLAY:-none}")
			if r.code != 0 || r.stdout != "none\n" || r.stderr != "" {
				t.Errorf("master without ForwardX11: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			r = runClientEnv(t, gsshBin, passengerEnv, "-F", plain.ClientConfig, "-S", refused, "-X", "sshd-user", "echo ${DISPLAY:-none}")
			if r.code != 0 || r.stdout != "none\n" || r.stderr != "X11 forwarding request failed\r\n" {
				t.Errorf("server refuses: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}
