//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// jumpPair is a hop and a destination sshd with a client configuration in
// which everything about the hop must be asked for at the terminal.
type jumpPair struct {
	hop, dest *sshdtest.Server
	dir       string
	config    string // the ssh_config file
	hopKH     string // the hop's known_hosts, empty at first
}

// jumpHopSettings are the hop's settings in each test of this file: no key
// is known for it, StrictHostKeyChecking asks, and it takes a password.
const jumpHopSettings = `	StrictHostKeyChecking ask
	PubkeyAuthentication no
`

// newJumpPair starts the two servers and writes the configuration: Host
// "hop" is the hop as the test user, with hopExtra added to its block;
// Host "dest" is the destination as the current user, with its known key
// and the test key, and destExtra.
func newJumpPair(t *testing.T, hopExtra, destExtra string) *jumpPair {
	t.Helper()
	sshdtest.RequireTestUser(t)
	jp := &jumpPair{
		hop:  sshdtest.Start(t, sshdtest.Options{}),
		dest: sshdtest.Start(t, sshdtest.Options{}),
		dir:  t.TempDir(),
	}
	jp.hopKH = filepath.Join(jp.dir, "hop_known_hosts")
	jp.config = filepath.Join(jp.dir, "ssh_config")
	text := fmt.Sprintf(`Host hop
	HostName %s
	Port %d
	User %s
	IdentitiesOnly yes
	IdentityAgent none
	UserKnownHostsFile %s
	GlobalKnownHostsFile /dev/null
	BatchMode no
	NumberOfPasswordPrompts 1
%sHost dest
	HostName %s
	Port %d
	User %s
	IdentityFile %s
	IdentitiesOnly yes
	IdentityAgent none
	UserKnownHostsFile %s
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode no
%s`, jp.hop.Host, jp.hop.Port, sshdtest.TestUser, jp.hopKH, hopExtra,
		jp.dest.Host, jp.dest.Port, currentUser(t), jp.dest.UserKey, jp.dest.KnownHosts, destExtra)
	if err := os.WriteFile(jp.config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return jp
}

func currentUser(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// hopKeyPrompt is the start of the question ssh asks about the hop's key.
func (jp *jumpPair) hopKeyPrompt() string {
	return fmt.Sprintf("The authenticity of host '[%s]:%d ([%s]:%d)' can't be established.",
		jp.hop.Host, jp.hop.Port, jp.hop.Host, jp.hop.Port)
}

// jumpEnd is the last line of a failed connection to the hop, from the
// destination's handshake on the proxy that failed.
const jumpEnd = "Connection closed by UNKNOWN port 65535\r\r\n"

const confirmPrompt = "Are you sure you want to continue connecting (yes/no/[fingerprint])? "

// clients are the programs the jump tests drive side by side.
func jumpClients() []struct{ name, prog string } {
	return []struct{ name, prog string }{{"gssh", gsshBin}, {"ssh", "/usr/bin/ssh"}}
}

// TestJumpHopPromptsOnTerminal is issue 11's panic: with -J, the hop's
// unknown host key and its password are asked for on the terminal, a
// person answers, and the command runs on the destination. gssh used to
// dereference a nil connection in the destination's handshake bound when
// the hop prompted. ssh runs the same dialogue beside it.
func TestJumpHopPromptsOnTerminal(t *testing.T) {
	jp := newJumpPair(t, jumpHopSettings, "")
	screens := map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(jp.hopKH)
			p := startPtyCommand(t, 24, 80, nil, c.prog, "-F", jp.config, "-J", "hop", "dest", "echo JU''MPED")
			p.waitFor(jp.hopKeyPrompt(), 20*time.Second)
			p.waitFor(confirmPrompt, 5*time.Second)
			p.typeText("yes\r")
			p.waitFor(sshdtest.TestUser+"@"+jp.hop.Host+"'s password: ", 20*time.Second)
			p.typeText(sshdtest.TestUserPassword + "\r")
			p.waitFor("JUMPED", 20*time.Second)
			if code := p.wait(20 * time.Second); code != 0 {
				t.Fatalf("%s exited %d; terminal shows:\n%q", c.name, code, p.screen())
			}
			screens[c.name] = p.screen()
			assertScreenNoPanic(t, p.screen())
			kh, err := os.ReadFile(jp.hopKH)
			if err != nil || !strings.Contains(string(kh), strings.TrimSpace(jp.hop.KnownHostsLine()[strings.IndexByte(jp.hop.KnownHostsLine(), ' '):])) {
				t.Fatalf("hop key not recorded (%v):\n%s", err, kh)
			}
			p.assertTermiosRestored()
		})
	}
	sameScreens(t, screens, sshdtest.TestUserPassword)
}

// TestJumpHopRefusedKey: answering "no" for the hop's key ends with ssh's
// message and exit 255, no panic.
func TestJumpHopRefusedKey(t *testing.T) {
	jp := newJumpPair(t, jumpHopSettings, "")
	codes, screens := map[string]int{}, map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name, func(t *testing.T) {
			p := startPtyCommand(t, 24, 80, nil, c.prog, "-F", jp.config, "-J", "hop", "dest", "true")
			p.waitFor(confirmPrompt, 20*time.Second)
			p.typeText("no\r")
			p.waitFor("Host key verification failed.", 20*time.Second)
			codes[c.name] = p.wait(20 * time.Second)
			p.waitFor(jumpEnd, 5*time.Second) // the exit can overtake the output
			screens[c.name] = p.screen()
			assertScreenNoPanic(t, p.screen())
			p.assertTermiosRestored()
		})
	}
	sameScreens(t, screens)
	if codes["gssh"] != 255 || codes["ssh"] != 255 {
		t.Fatalf("exit codes %v, want 255 from both", codes)
	}
}

// TestJumpHopWrongPassword: a wrong password on the hop ends with ssh's
// "Permission denied" for the hop and exit 255 from both clients.
func TestJumpHopWrongPassword(t *testing.T) {
	jp := newJumpPair(t, jumpHopSettings, "")
	if err := os.WriteFile(jp.hopKH, []byte(jp.hop.KnownHostsLine()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	codes, screens := map[string]int{}, map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name, func(t *testing.T) {
			p := startPtyCommand(t, 24, 80, nil, c.prog, "-F", jp.config, "-J", "hop", "dest", "true")
			p.waitFor("'s password: ", 20*time.Second)
			p.typeText("not-the-password\r")
			p.waitFor(sshdtest.TestUser+"@"+jp.hop.Host+": Permission denied (", 20*time.Second)
			codes[c.name] = p.wait(20 * time.Second)
			p.waitFor(jumpEnd, 5*time.Second) // the exit can overtake the output
			screens[c.name] = p.screen()
			assertScreenNoPanic(t, p.screen())
			p.assertTermiosRestored()
		})
	}
	sameScreens(t, screens, "not-the-password")
	if codes["gssh"] != 255 || codes["ssh"] != 255 {
		t.Fatalf("exit codes %v, want 255 from both", codes)
	}
}

// TestJumpPassphraseAndPasswords: the hop's key is asked for, its private
// key's passphrase, and then the destination's password after the hop's
// key is known: every prompt of the jump-host path in one login, on a
// real terminal, for gssh and ssh.
func TestJumpPassphraseAndPasswords(t *testing.T) {
	jp := newJumpPair(t, "	StrictHostKeyChecking ask\n", "	PubkeyAuthentication no\n")
	enc := filepath.Join(jp.dir, "hop_key")
	data, err := os.ReadFile(jp.hop.UserKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(enc, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-p", "-P", "", "-N", "hop secret", "-f", enc).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen -p: %v\n%s", err, out)
	}
	// The hop logs in as the current user with the encrypted copy of the
	// key sshd authorises; the destination as the test user by password.
	text, err := os.ReadFile(jp.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(text), "User "+sshdtest.TestUser+"\n", fmt.Sprintf("User %s\n\tIdentityFile %s\n", currentUser(t), enc), 1)
	cfg = strings.Replace(cfg, "User "+currentUser(t)+"\n\tIdentityFile "+jp.dest.UserKey, "User "+sshdtest.TestUser+"\n\tIdentityFile "+jp.dest.UserKey, 1)
	if err := os.WriteFile(jp.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	screens := map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(jp.hopKH)
			p := startPtyCommand(t, 24, 80, nil, c.prog, "-F", jp.config, "-J", "hop", "dest", "echo JU''MPED")
			p.waitFor(confirmPrompt, 20*time.Second)
			p.typeText("yes\r")
			p.waitFor("Enter passphrase for key '"+enc+"': ", 20*time.Second)
			p.typeText("hop secret\r")
			p.waitFor(sshdtest.TestUser+"@"+jp.dest.Host+"'s password: ", 20*time.Second)
			p.typeText(sshdtest.TestUserPassword + "\r")
			p.waitFor("JUMPED", 20*time.Second)
			if code := p.wait(20 * time.Second); code != 0 {
				t.Fatalf("%s exited %d; terminal shows:\n%q", c.name, code, p.screen())
			}
			screens[c.name] = p.screen()
			assertScreenNoPanic(t, p.screen())
			p.assertTermiosRestored()
		})
	}
	sameScreens(t, screens, "hop secret", sshdtest.TestUserPassword)
}

// sameScreens fails unless gssh's terminal showed exactly what ssh's did,
// with no secret typed at a prompt echoed.
func sameScreens(t *testing.T, screens map[string]string, secrets ...string) {
	t.Helper()
	// ssh's -J runs the hop as an "ssh -W" child; when that child exits
	// before the outer ssh has sent its DISCONNECT, ssh adds this line. It
	// is a race in ssh (seen under load in make stress), not output gssh
	// should copy.
	ssh := strings.TrimSuffix(screens["ssh"], "client_loop: send disconnect: Broken pipe\r\r\n")
	if screens["gssh"] != ssh {
		t.Errorf("terminals differ:\n gssh %q\n ssh  %q", screens["gssh"], screens["ssh"])
	}
	for name, screen := range screens {
		for _, secret := range secrets {
			if strings.Contains(screen, secret) {
				t.Errorf("%s echoed %q:\n%q", name, secret, screen)
			}
		}
	}
}

// assertScreenNoPanic fails when the output shows a Go panic or goroutine dump.
func assertScreenNoPanic(t *testing.T, out string) {
	t.Helper()
	for _, sign := range []string{"panic:", "goroutine ", "runtime error", "[signal "} {
		if strings.Contains(out, sign) {
			t.Fatalf("output shows %q:\n%s", sign, out)
		}
	}
}

// TestJumpTwoHopsPasswords: with -J hop,hop the second hop is reached
// through the first and asks for its password too; each prompt is
// answered as it appears, by gssh's user as by ssh's.
func TestJumpTwoHopsPasswords(t *testing.T) {
	jp := newJumpPair(t, jumpHopSettings, "")
	if err := os.WriteFile(jp.hopKH, []byte(jp.hop.KnownHostsLine()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prompt := sshdtest.TestUser + "@" + jp.hop.Host + "'s password: "
	screens := map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name, func(t *testing.T) {
			p := startPtyCommand(t, 24, 80, nil, c.prog, "-F", jp.config, "-J", "hop,hop", "dest", "echo JU''MPED")
			p.waitFor(prompt, 20*time.Second)
			p.typeText(sshdtest.TestUserPassword + "\r")
			p.waitFor(prompt+"\r\n\r"+prompt, 20*time.Second)
			p.typeText(sshdtest.TestUserPassword + "\r")
			p.waitFor("JUMPED", 20*time.Second)
			if code := p.wait(20 * time.Second); code != 0 {
				t.Fatalf("%s exited %d; terminal shows:\n%q", c.name, code, p.screen())
			}
			screens[c.name] = p.screen()
			assertScreenNoPanic(t, p.screen())
			p.assertTermiosRestored()
		})
	}
	sameScreens(t, screens, sshdtest.TestUserPassword)
}

// TestInterruptAtPasswordPrompt: ^C at a password prompt, on a hop or
// in -f's background child, leaves the terminal as it was (echo on) and
// ends the prompt's line, as ssh's readpassphrase does; gssh used to
// die with echo off.
func TestInterruptAtPasswordPrompt(t *testing.T) {
	jp := newJumpPair(t, jumpHopSettings, "")
	if err := os.WriteFile(jp.hopKH, []byte(jp.hop.KnownHostsLine()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prompt := sshdtest.TestUser + "@" + jp.hop.Host + "'s password: "
	interrupt := func(t *testing.T, prog string, args ...string) string {
		p := startPtyCommand(t, 24, 80, nil, prog, append([]string{"-F", jp.config}, args...)...)
		p.waitFor(prompt, 20*time.Second)
		p.typeText("secr\x03")
		if code := p.wait(10 * time.Second); code == 0 {
			t.Fatalf("%s exited 0 after ^C", prog)
		}
		p.waitFor(prompt+"\r\n", 5*time.Second)
		// ssh -J's prompt is its "ssh -W" child's, which may restore
		// the terminal after the parent has died.
		eventually(5*time.Second, func() bool {
			tio, err := termios(p.tty)
			return err == nil && *tio == *p.before
		})
		p.assertTermiosRestored()
		return p.screen()
	}
	screens := map[string]string{}
	for _, c := range jumpClients() {
		t.Run(c.name+" -J", func(t *testing.T) {
			screens[c.name] = interrupt(t, c.prog, "-J", "hop", "dest", "true")
		})
	}
	sameScreens(t, screens, "secr")
	// /usr/bin/ssh -f hop ignored this ^C in 4 of 10 runs on this
	// machine, waiting on at the prompt, so -f is held to the screen
	// ssh -J showed.
	t.Run("gssh -f", func(t *testing.T) {
		if got := interrupt(t, gsshBin, "-f", "hop", "true"); got != screens["ssh"] {
			t.Fatalf("terminal shows %q, want %q", got, screens["ssh"])
		}
	})
}
