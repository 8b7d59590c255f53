//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/sshdtest"
)

// escapeDeadline is how soon after the "." of Enter ~. gssh must be gone
// (issue 4). The measurement runs from the write of "." on the pty to
// the reaping of the process, so it includes the test's own scheduling.
const escapeDeadline = 200 * time.Millisecond

// typeKeys types s one byte per write, as a person does.
func (p *ptySession) typeKeys(s string) {
	p.t.Helper()
	for i := 0; i < len(s); i++ {
		p.typeText(s[i : i+1])
	}
}

// waitForCount blocks until the terminal has shown want n times, or fails
// after timeout.
func (p *ptySession) waitForCount(want string, n int, timeout time.Duration) {
	p.t.Helper()
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	for strings.Count(p.output.String(), want) < n {
		if time.Now().After(deadline) || p.readErr != nil {
			p.t.Fatalf("terminal never showed %q %d times; it shows:\n%q", want, n, p.output.String())
		}
		p.cond.Wait()
	}
}

// exitAfter waits for gssh to exit and returns how long after start it
// did, with its status.
func (p *ptySession) exitAfter(start time.Time, timeout time.Duration) (time.Duration, int) {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("gssh did not exit within %v; terminal shows:\n%q", timeout, p.screen())
	}
	took := time.Since(start)
	return took, p.wait(time.Second)
}

// termios is the pty's current settings.
func (p *ptySession) termios() unix.Termios {
	p.t.Helper()
	tio, err := termios(p.tty)
	if err != nil {
		p.t.Fatal(err)
	}
	return *tio
}

// waitTermios polls the pty until its raw-ness (ICANON off) is raw.
// gssh changes modes without printing anything, so there is no output
// to wait for.
func (p *ptySession) waitTermios(raw bool, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for (p.termios().Lflag&unix.ICANON == 0) != raw {
		if time.Now().After(deadline) {
			p.t.Fatalf("terminal raw=%v never reached; termios %+v", raw, p.termios())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closedMessage is ssh's farewell after ~., as it appears on a terminal
// already back in cooked mode (ONLCR turns its "\r\n" into "\r\r\n").
const closedMessage = "Connection to 127.0.0.1 closed.\r"

// TestEscapeDisconnect: Enter ~. in a shell ends gssh at once with ssh's
// message and status, and leaves the terminal as it was.
func TestEscapeDisconnect(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeKeys("\r~")
	start := time.Now()
	p.typeText(".")
	took, code := p.exitAfter(start, 10*time.Second)
	t.Logf("~. to exit: %v", took)
	if code != 255 {
		t.Fatalf("exit %d, want 255", code)
	}
	if took > escapeDeadline {
		t.Fatalf("gssh took %v to exit after ~., want at most %v", took, escapeDeadline)
	}
	p.waitFor(closedMessage, time.Second)
	p.assertTermiosRestored()
}

// TestEscapeDisconnectFrozenServer: the session's sshd is stopped and the
// remote side reads nothing, so the channel window is full and writes to
// the channel block. ~. must still end gssh at once.
func TestEscapeDisconnectFrozenServer(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	// A raw remote pty does not discard input it cannot take (a
	// canonical one drops characters of an overlong line), so sshd's
	// buffer and then the window fill up.
	p := startPty(t, 24, 80, "-t", "-F", s.ClientConfig, "sshd", "stty raw -echo; echo FRO''ZEN; exec sleep 100")
	p.waitFor("FROZEN", 20*time.Second)

	// 3 MiB: more than sshd's 2 MiB window plus what the remote pty
	// and sshd's socket buffers hold. The write returns once gssh has
	// read it all, which it does only if reading does not wait for the
	// channel.
	paste := bytes.Repeat([]byte("x"), 3<<20)
	pasted := make(chan error, 1)
	go func() {
		_, err := p.master.Write(paste)
		pasted <- err
	}()
	select {
	case err := <-pasted:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("gssh stopped reading the terminal while the channel was full")
	}

	pids := s.SessionPIDs()
	if len(pids) == 0 {
		t.Fatal("no sshd session processes to freeze")
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGCONT)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})

	p.typeKeys("\r~")
	start := time.Now()
	p.typeText(".")
	took, code := p.exitAfter(start, 10*time.Second)
	t.Logf("~. to exit with a frozen server and a full window: %v", took)
	if code != 255 {
		t.Fatalf("exit %d, want 255", code)
	}
	if took > escapeDeadline {
		t.Fatalf("gssh took %v to exit after ~., want at most %v", took, escapeDeadline)
	}
	p.waitFor(closedMessage, time.Second)
	p.assertTermiosRestored()
}

// TestEscapeAsData covers the cases where "~." or "~~" is not a
// disconnect: mid-line, -e none, and the doubled escape character. Each
// runs remote cat on a pty; ^D then ends it, so exit 0 proves that gssh
// did not disconnect.
func TestEscapeAsData(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, tc := range []struct {
		name  string
		flags []string
		typed string
		want  string // head's copy; the remote echo is off so that it cannot interleave
	}{
		{"mid-line", nil, "\ra~.\r", "a~.\r\n"},
		{"escape none", []string{"-e", "none"}, "\r~.\r", "~.\r\n"},
		{"doubled", nil, "\r~~mark\r", "~mark\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, tc.flags...), "-t", "-F", s.ClientConfig, "sshd", "stty -echo; echo CAT''READY; exec head -n 2")
			p := startPty(t, 24, 80, args...)
			p.waitFor("CATREADY", 20*time.Second)
			p.typeKeys(tc.typed)
			p.waitForCount(tc.want, 1, 10*time.Second)
			if strings.Contains(p.screen(), "~~mark") {
				t.Fatalf("~~ sent both characters:\n%q", p.screen())
			}
			// head ends after the two typed lines; no ^D race with the
			// remote tty's line discipline.
			if code := p.wait(10 * time.Second); code != 0 {
				t.Fatalf("exit %d, want 0 (head done); terminal:\n%q", code, p.screen())
			}
			p.assertTermiosRestored()
		})
	}
}

// TestEscapeOtherChar: with -e ^A, ^A. disconnects.
func TestEscapeOtherChar(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-e", "^A", "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeKeys("\r\x01")
	start := time.Now()
	p.typeText(".")
	took, code := p.exitAfter(start, 10*time.Second)
	t.Logf("^A. to exit: %v", took)
	if code != 255 || took > escapeDeadline {
		t.Fatalf("exit %d after %v, want 255 within %v", code, took, escapeDeadline)
	}
	p.waitFor(closedMessage, time.Second)
	p.assertTermiosRestored()
}

// TestEscapeNotWithoutPTY: with -T and piped input, ssh processes no
// escapes; every byte reaches the remote command.
func TestEscapeNotWithoutPTY(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	input := "x\n~.\n~~\n~?\ny\n"
	r := gssh(t, strings.NewReader(input), "-T", "-F", s.ClientConfig, "sshd", "cat")
	if r.code != 0 || r.stdout != input {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the input unchanged", r.code, r.stdout, r.stderr)
	}
}

// TestEscapeHelp: ~? prints the list of escapes and the session goes on.
func TestEscapeHelp(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeKeys("\r~?")
	p.waitFor("~?\r\nSupported escape sequences:\r\n", 10*time.Second)
	p.waitFor(" ~.   - terminate connection (and any multiplexed sessions)\r\n", time.Second)
	p.waitFor("(Note that escapes are only recognized immediately after newline.)\r\n", time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}

// TestEscapeNested: gssh inside gssh, both against the test sshd. ~~.
// reaches the inner client as ~. and ends only it; the outer shell keeps
// working.
func TestEscapeNested(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeText(fmt.Sprintf("%s -F %s sshd\r", gsshBin, s.ClientConfig))
	p.typeText("echo IN''NER\r")
	p.waitFor("INNER", 20*time.Second)
	p.typeKeys("\r~~.")
	p.waitFor(closedMessage, 10*time.Second)
	p.typeText("echo OUTER-EXIT-$?\r")
	p.waitFor("OUTER-EXIT-255", 10*time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("outer gssh exit %d, want 0; terminal:\n%q", code, p.screen())
	}
	p.assertTermiosRestored()
}

// TestEscapeSuspend: ~^Z gives the terminal back and stops gssh; SIGCONT
// resumes it in raw mode and the session goes on. gssh runs as a
// foreground job under a job-control parent, since the kernel ignores
// SIGTSTP in an orphaned process group.
func TestEscapeSuspend(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := startPtyCommand(t, 24, 80, []string{foregroundJobEnv + "=1"}, self, gsshBin, "-F", s.ClientConfig, "sshd")
	p.ready()
	raw := p.termios()
	var pid int
	for _, d := range sshdtest.Descendants(p.cmd.Process.Pid) {
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", d)); strings.TrimSpace(string(comm)) == "gssh" {
			pid = d
		}
	}
	if pid == 0 {
		t.Fatal("gssh not found under the job-control parent")
	}

	p.typeKeys("\r~\x1a")
	p.waitFor("~^Z [suspend ssh]\r\n", 10*time.Second)
	waitProcState(t, pid, 'T')
	if tio := p.termios(); tio != *p.before {
		t.Fatalf("terminal not restored while suspended:\n before %+v\n now    %+v", *p.before, tio)
	}

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	p.waitTermios(true, 10*time.Second)
	if tio := p.termios(); tio != raw {
		t.Fatalf("raw mode differs after resume:\n before %+v\n now    %+v", raw, tio)
	}
	p.typeText("echo RESU''MED\r")
	p.waitFor("RESUMED", 10*time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}

// waitProcState polls /proc until pid is in state (such as 'T', stopped).
func waitProcState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		rest := stat[bytes.LastIndexByte(stat, ')')+2:]
		if rest[0] == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d in state %c, want %c", pid, rest[0], state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEscapeInfoTimeLeft: ~I shows the time left on --timeout.
func TestEscapeInfoTimeLeft(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "--timeout", "5m", "-F", s.ClientConfig, "sshd")
	p.ready()
	p.typeKeys("\r~I")
	p.waitFor("  multiplexing:  none\r\n", 10*time.Second)
	m := regexp.MustCompile(`time left: +(\S+) \(--timeout\)\r\n`).FindStringSubmatch(p.screen())
	if m == nil {
		t.Fatalf("~I shows no time left:\n%q", p.screen())
	}
	// Rounded to the second; the session is a few seconds old at most.
	if left, err := time.ParseDuration(m[1]); err != nil || left > 5*time.Minute || left < 4*time.Minute {
		t.Fatalf("time left %q, want a little under 5m", m[1])
	}
	for _, want := range []string{"  host:          127.0.0.1 port ", "  user:          ", "  kex:           ", "  cipher:        "} {
		if !strings.Contains(p.screen(), want) {
			t.Errorf("~I lacks %q", want)
		}
	}
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}

// TestEscapeAnswersOnPty types the escapes that answer and let the session
// go on, and checks each answer as the terminal shows it.
func TestEscapeAnswersOnPty(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-F", s.ClientConfig, "sshd")
	p.ready()
	for _, tc := range []struct{ keys, answer string }{
		{"~B", "~B\r\n"},
		{"~V", "~V [LogLevel ERROR]\r\n"},
		{"~v", "~v [LogLevel INFO]\r\n"},
		{"~#", "~#\r\nThe following connections are open:\r\n  #0 client-session (t4 [session] "},
		{"~R", "~R [rekeying on request is not supported by gssh]\r\n"},
		{"~C", "commandline disabled\r\n"},
	} {
		p.typeKeys("\r" + tc.keys)
		p.waitFor(tc.answer, 10*time.Second)
	}
	p.typeText("echo STILL''HERE\r")
	p.waitFor("STILLHERE", 10*time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}

// TestEscapeCommandLineOnPty: with EnableEscapeCommandline, ~C prompts in
// line mode (the kernel echoes, ^C is a byte), answers, and goes back to
// raw mode.
func TestEscapeCommandLineOnPty(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPty(t, 24, 80, "-o", "EnableEscapeCommandline=yes", "-F", s.ClientConfig, "sshd")
	p.ready()
	raw := p.termios()
	p.typeKeys("\r~C")
	p.waitFor("ssh> ", 10*time.Second)
	p.waitTermios(false, 10*time.Second)
	if tio := p.termios(); tio.Lflag&unix.ISIG != 0 || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("ssh> line mode: ISIG %v, ECHO %v; want signals off, echo on",
			tio.Lflag&unix.ISIG != 0, tio.Lflag&unix.ECHO != 0)
	}
	p.typeText("nonsense\x03help\r")
	p.waitFor("Cancel dynamic forward\r", 10*time.Second)
	p.waitTermios(true, 10*time.Second)
	if tio := p.termios(); tio != raw {
		t.Fatalf("raw mode differs after the command line:\n before %+v\n now    %+v", raw, tio)
	}
	p.typeKeys("\r~C")
	p.waitForCount("ssh> ", 2, 10*time.Second)
	p.typeText("-L 8080\r")
	p.waitFor("Bad local forwarding specification.\r", 10*time.Second)
	p.waitTermios(true, 10*time.Second)
	p.typeText("echo STILL''HERE\r")
	p.waitFor("STILLHERE", 10*time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}
