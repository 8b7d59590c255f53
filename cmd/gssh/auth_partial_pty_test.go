//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestPartialSuccessThenPromptLikeOpenSSH: a key, then a password or a
// keyboard-interactive answer (sshd with PAM asks for the password there,
// the usual place of a one-time code), typed at the terminal. After the
// key's partial success ssh walks PreferredAuthentications from its start
// again, so the method of the second step is the first of that list the
// server still allows; the key step may also come second. gssh shows the
// same terminal, asks the same question and exits as ssh does.
func TestPartialSuccessThenPromptLikeOpenSSH(t *testing.T) {
	sshdtest.RequireTestUser(t)
	r := startCertRig(t, sshdtest.Options{PAM: true, ExtraConfig: []string{
		"AuthenticationMethods publickey,keyboard-interactive publickey,password keyboard-interactive,publickey",
	}})
	key := r.keygen(t, "key")
	writeFile(t, filepath.Join(r.Dir, "authorized_keys"), readFile(t, key+".pub"))
	kbdPrompt := fmt.Sprintf("(%s@%s) Password: ", sshdtest.TestUser, r.Host)
	passwordPrompt := fmt.Sprintf("%s@%s's password: ", sshdtest.TestUser, r.Host)

	cases := []struct {
		name   string
		prefer string
		prompt string // the question of the step that is not the key
		answer string
		code   int
	}{
		{"publickey,keyboard-interactive", "publickey,keyboard-interactive", kbdPrompt, sshdtest.TestUserPassword, 0},
		{"publickey,password", "publickey,password", passwordPrompt, sshdtest.TestUserPassword, 0},
		{"default order: keyboard-interactive after the key", "", kbdPrompt, sshdtest.TestUserPassword, 0},
		{"password preferred but not allowed first", "password,publickey,keyboard-interactive", passwordPrompt, sshdtest.TestUserPassword, 0},
		{"keyboard-interactive, then the key", "keyboard-interactive,publickey", kbdPrompt, sshdtest.TestUserPassword, 0},
		{"a wrong answer after the key", "publickey,password", passwordPrompt, "not-the-password", 255},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			screens, codes := map[string]string{}, map[string]int{}
			for _, cl := range jumpClients() {
				args := []string{"-F", "none", "-p", fmt.Sprint(r.Port), "-o", "UserKnownHostsFile=" + r.KnownHosts,
					"-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
					"-o", "IdentityAgent=none", "-o", "IdentitiesOnly=yes", "-o", "NumberOfPasswordPrompts=1",
					"-i", key, "-l", sshdtest.TestUser}
				if c.prefer != "" {
					args = append(args, "-o", "PreferredAuthentications="+c.prefer)
				}
				p := startPtyCommand(t, 24, 80, nil, cl.prog, append(args, r.Host, "echo logged-in")...)
				p.waitFor(c.prompt, 20*time.Second)
				p.typeText(c.answer + "\r")
				if c.code == 0 {
					p.waitFor("logged-in", 20*time.Second)
				} else {
					p.waitFor("Permission denied", 20*time.Second)
				}
				codes[cl.name] = p.wait(20 * time.Second)
				screens[cl.name] = p.screen()
				assertScreenNoPanic(t, p.screen())
			}
			if codes["ssh"] != c.code || codes["gssh"] != c.code {
				t.Errorf("exit: gssh %d, ssh %d, want %d", codes["gssh"], codes["ssh"], c.code)
			}
			sameScreens(t, screens, c.answer)
		})
	}
}

// TestKeyboardInteractiveLikeOpenSSH: keyboard-interactive alone against
// sshd with PAM, answered at the terminal, right at once or after a wrong
// answer: gssh asks ssh's question, shows the same terminal and exits as
// ssh does.
func TestKeyboardInteractiveLikeOpenSSH(t *testing.T) {
	sshdtest.RequireTestUser(t)
	s := sshdtest.Start(t, sshdtest.Options{PAM: true})
	prompt := fmt.Sprintf("(%s@%s) Password: ", sshdtest.TestUser, s.Host)
	cases := []struct {
		name    string
		answers []string
	}{
		{"right answer", []string{sshdtest.TestUserPassword}},
		{"wrong, then right", []string{"not-the-password", sshdtest.TestUserPassword}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			screens := map[string]string{}
			for _, cl := range jumpClients() {
				p := startPtyCommand(t, 24, 80, nil, cl.prog, "-F", "none", "-p", fmt.Sprint(s.Port),
					"-o", "UserKnownHostsFile="+s.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
					"-o", "StrictHostKeyChecking=yes", "-o", "IdentityAgent=none", "-o", "PubkeyAuthentication=no",
					"-o", "PreferredAuthentications=keyboard-interactive", "-o", "NumberOfPasswordPrompts=2",
					"-l", sshdtest.TestUser, s.Host, "echo logged-in")
				for i, a := range c.answers {
					p.waitForCount(prompt, i+1, 20*time.Second)
					p.typeText(a + "\r")
				}
				p.waitFor("logged-in", 20*time.Second)
				if code := p.wait(20 * time.Second); code != 0 {
					t.Fatalf("%s exited %d; terminal shows:\n%q", cl.name, code, p.screen())
				}
				screens[cl.name] = p.screen()
			}
			sameScreens(t, screens, c.answers...)
		})
	}
}
