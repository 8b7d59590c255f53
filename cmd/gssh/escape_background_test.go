//go:build linux

package main

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestEscapeBackgroundLikeOpenSSH types ~& into ssh and into gssh, each
// run as a foreground job of an interactive bash on a pty, with -L open
// and one connection forwarded through it. For both: the answer is
// "~& [backgrounded]"; bash shows its prompt and runs a command while the
// client still runs; the -L listener is closed but the forwarded
// connection still carries data; the remote shell got EOF ("logout");
// and the client exits once the forwarded connection closes. ssh forks
// and its parent exits; gssh stops itself and is continued as a
// background job, so bash also says "Stopped" and later "Done"
// (docs/escapes.md).
func TestEscapeBackgroundLikeOpenSSH(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("bash: %v", err)
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	for name, prog := range map[string]string{"ssh": "/usr/bin/ssh", "gssh": gsshBin} {
		t.Run(name, func(t *testing.T) {
			port := freeLocalPort(t)
			p := startPtyCommand(t, 24, 200, nil, "bash", "--norc", "--noprofile", "-i")
			p.typeText("PS1='PRO''MPT$ '\r")
			p.waitFor("PROMPT$ ", 10*time.Second)
			p.typeText(fmt.Sprintf("%s -F %s -tt -L %d:127.0.0.1:%d sshd\r", prog, s.ClientConfig, port, s.Port))
			p.typeText("echo LOGGED''IN\r")
			p.waitFor("LOGGEDIN", 10*time.Second)

			fwd, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			defer fwd.Close()
			fwd.SetDeadline(time.Now().Add(10 * time.Second))
			r := bufio.NewReader(fwd)
			if banner, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
				t.Fatalf("through -L: %q, %v", banner, err)
			}

			p.typeText("\r")
			p.typeText("~&")
			p.waitFor("~& [backgrounded]\r\n", 10*time.Second)
			p.waitFor("logout", 10*time.Second) // the remote shell read ^D and EOF
			p.typeText("echo SHELL''BACK\r")
			p.waitFor("SHELLBACK", 10*time.Second)
			if pids := clientPIDs(t, port); len(pids) == 0 {
				t.Fatalf("%s exited before its forwarded connection closed; terminal:\n%s", prog, p.screen())
			}
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second); err == nil {
				c.Close()
				t.Errorf("the -L listener still accepts after ~&")
			}
			// The forwarded connection still works: sshd answers a
			// client banner with its KEXINIT.
			if _, err := fwd.Write([]byte("SSH-2.0-probe\r\n")); err != nil {
				t.Fatalf("write through -L after ~&: %v", err)
			}
			if _, err := r.ReadByte(); err != nil {
				t.Fatalf("read through -L after ~&: %v", err)
			}
			fwd.Close()
			deadline := time.Now().Add(10 * time.Second)
			for len(clientPIDs(t, port)) > 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%s still runs 10s after its forwarded connection closed", prog)
				}
				time.Sleep(20 * time.Millisecond)
			}
			p.typeText("exit\r")
			p.wait(10 * time.Second)
		})
	}
}

// clientPIDs lists the processes whose command line holds the -L
// forwarding to port: the backgrounded client.
func clientPIDs(t *testing.T, port int) []string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-f", fmt.Sprintf("[-]L %d:127[.]0[.]0[.]1:", port)).Output()
	return strings.Fields(string(out))
}

// TestEscapeRekeyDiffersFromOpenSSH pins what docs/escapes.md says of
// ~R: ssh prints nothing and starts a key exchange, which sshd's DEBUG
// log shows as a second "SSH2_MSG_KEXINIT received"; gssh cannot start
// one (x/crypto/ssh has no call for it and copies RekeyThreshold when
// the connection is made), says so in one line, and the session goes on
// with its first keys. If x/crypto gains a way, this test fails and ~R
// should use it.
func TestEscapeRekeyDiffersFromOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{LogLevel: "DEBUG"})
	for name, prog := range map[string]string{"ssh": "/usr/bin/ssh", "gssh": gsshBin} {
		t.Run(name, func(t *testing.T) {
			offset := len(readLog(t, s))
			p := startPtyCommand(t, 24, 80, nil, prog, "-F", s.ClientConfig, "-o", "KexAlgorithms=curve25519-sha256", "sshd")
			p.typeText("echo LOGGED''IN\r")
			p.waitFor("LOGGEDIN", 10*time.Second)
			mark := len(p.screen())
			p.typeText("\r")
			p.typeText("~R")
			p.typeText("echo AFTER''REKEY\r")
			p.waitFor("AFTERREKEY", 10*time.Second)
			p.typeText("exit\r")
			p.wait(10 * time.Second)
			answer := strings.Contains(p.screen()[mark:], "~R [rekeying on request is not supported by gssh]\r\n")
			kex := kexInitsSince(t, s, offset)
			if name == "ssh" && (kex != 2 || answer) {
				t.Errorf("ssh: %d key exchanges (want 2), answer shown %v", kex, answer)
			}
			if name == "gssh" && (kex != 1 || !answer) {
				t.Errorf("gssh: %d key exchanges (want 1), answer shown %v; terminal:\n%q", kex, answer, p.screen()[mark:])
			}
		})
	}
}
