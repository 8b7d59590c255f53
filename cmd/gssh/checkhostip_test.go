//go:build linux

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// nonLoopbackIPv4 is an IPv4 address of an interface of this machine that
// is up and not loopback: a server listening there is reached without
// leaving the machine, yet its address is not one ssh treats as local.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				return n.IP.String()
			}
		}
	}
	testenv.SkipOrFail(t, "no non-loopback IPv4 address on this machine for sshd to listen on")
	return ""
}

// unhashKnownHosts replaces each hashed name in a known_hosts text by the
// one of names it hashes, so that files written with random salts by two
// clients compare equal when they record the same names.
func unhashKnownHosts(t *testing.T, path string, names ...string) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(readFile(t, path), "\n") {
		field, rest, _ := strings.Cut(line, " ")
		if strings.HasPrefix(field, "|1|") {
			for _, n := range names {
				cmd := exec.Command("ssh-keygen", "-F", n, "-f", path)
				b, _ := cmd.Output()
				if strings.Contains(string(b), field) {
					field = "HASHED(" + n + ")"
					break
				}
			}
			line = field + " " + rest
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestCheckHostIPLikeOpenSSH runs /usr/bin/ssh and gssh with
// CheckHostIP=yes against an sshd listening on a non-loopback address of
// this machine, with the same known_hosts contents, and compares exit
// status, stderr byte for byte and the known_hosts file afterwards: the
// address recorded beside a new or known key (only under HostKeyAlias,
// since HostName is the address itself here), "differs from the key for
// the IP address" under every StrictHostKeyChecking, and the "POSSIBLE
// DNS SPOOFING DETECTED" banner before a changed key's. gssh used to skip
// the address under HostKeyAlias and print neither warning.
func TestCheckHostIPLikeOpenSSH(t *testing.T) {
	addr := nonLoopbackIPv4(t)
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"ListenAddress " + addr}})
	if conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, fmt.Sprint(s.Port)), 5*time.Second); err != nil {
		t.Fatalf("sshd on %s: %v\n%s", addr, err, readLog(t, s))
	} else {
		conn.Close()
	}
	text := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	host := text(s.HostKey)
	otherPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other := authorizedLine(t, otherPub)
	ecdsa := ecdsaLine(t)
	ip := fmt.Sprintf("[%s]:%d", addr, s.Port)
	type tc struct {
		name, known string
		opts        []string
	}
	alias := []string{"-o", "HostKeyAlias=foo"}
	cases := []tc{
		{"address as host name, new", "", []string{"-o", "StrictHostKeyChecking=accept-new"}},
		{"alias, new", "", append([]string{"-o", "StrictHostKeyChecking=accept-new"}, alias...)},
		{"alias, new, hashed", "", append([]string{"-o", "StrictHostKeyChecking=accept-new", "-o", "HashKnownHosts=yes"}, alias...)},
		{"alias known, address new", "foo " + host + "\n", append([]string{"-o", "StrictHostKeyChecking=yes"}, alias...)},
		{"alias known, address known", "foo " + host + "\n" + ip + " " + host + "\n", append([]string{"-o", "StrictHostKeyChecking=yes"}, alias...)},
	}
	for _, strict := range []string{"yes", "no", "accept-new", "ask"} {
		o := append([]string{"-o", "StrictHostKeyChecking=" + strict}, alias...)
		cases = append(cases,
			tc{"address differs, " + strict, "foo " + host + "\n" + ip + " " + other + "\n", o},
			tc{"address of another type, " + strict, "foo " + host + "\n" + ip + " " + ecdsa + "\n", o},
			tc{"alias new, address differs, " + strict, ip + " " + other + "\n", o})
	}
	for _, strict := range []string{"yes", "no"} {
		o := append([]string{"-o", "StrictHostKeyChecking=" + strict}, alias...)
		cases = append(cases,
			tc{"changed, address unchanged, " + strict, "foo " + other + "\n" + ip + " " + host + "\n", o},
			tc{"changed, address unknown, " + strict, "foo " + other + "\n", o},
			tc{"changed, address changed alike, " + strict, "foo," + ip + " " + other + "\n", o},
			tc{"changed, address changed otherwise, " + strict, "foo " + other + "\n" + ip + " " + ecdsa + "\n", o})
	}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outcome [2]result
			var files [2]string
			for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
				writeFile(t, kh, c.known)
				args := append(append([]string{}, c.opts...), "-F", "none", "-p", fmt.Sprint(s.Port),
					"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
					"-o", "CheckHostIP=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
					"-o", "IdentityAgent=none", "-i", s.UserKey, addr, "echo ok")
				outcome[i] = runClient(t, prog, nil, nil, args...)
				files[i] = unhashKnownHosts(t, kh, "foo", ip)
			}
			want, got := outcome[0], outcome[1]
			assertNoPanic(t, got)
			if got.code != want.code || got.stderr != asGssh(want.stderr) || got.stdout != want.stdout {
				t.Errorf("gssh: exit %d stdout %q stderr:\n%s\n ssh: exit %d stdout %q stderr:\n%s",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
			if files[1] != files[0] {
				t.Errorf("known_hosts after gssh:\n%s\nafter ssh:\n%s", files[1], files[0])
			}
		})
	}
}

// TestCheckHostIPAskOnPty answers ssh's and gssh's question about an
// address whose known_hosts entry holds another key, under
// StrictHostKeyChecking=ask on a terminal: both show the same question
// (confirm() without a fingerprint, so a wrong answer gets "Please type
// 'yes' or 'no': "), "yes" lets the command run and "no" ends with "Host
// key verification failed.", exit 255; the terminal must show the same.
func TestCheckHostIPAskOnPty(t *testing.T) {
	addr := nonLoopbackIPv4(t)
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"ListenAddress " + addr}})
	otherPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))
	ip := fmt.Sprintf("[%s]:%d", addr, s.Port)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	question := fmt.Sprintf("Warning: the ED25519 host key for 'foo' differs from the key for the IP address '%s'\r\n"+
		"Offending key for IP in %s:2\r\nMatching host key in %s:1\r\n"+
		"Are you sure you want to continue connecting (yes/no)? ", ip, kh, kh)
	for _, answer := range []string{"yes", "no"} {
		var screens [2]string
		var codes [2]int
		for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
			writeFile(t, kh, "foo "+host+"\n"+ip+" "+authorizedLine(t, otherPub)+"\n")
			p := startPtyCommand(t, 24, 200, nil, prog, "-F", "none", "-p", fmt.Sprint(s.Port), "-T",
				"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "HostKeyAlias=foo",
				"-o", "CheckHostIP=yes", "-o", "StrictHostKeyChecking=ask", "-o", "IdentitiesOnly=yes",
				"-o", "IdentityAgent=none", "-i", s.UserKey, addr, "echo DONE")
			p.waitFor(question, 10*time.Second)
			p.typeText("maybe\r")
			p.waitFor("Please type 'yes' or 'no': ", 10*time.Second)
			p.typeText(answer + "\r")
			// The process may exit before its last output has been
			// read from the pty: wait for that output first.
			p.waitFor(map[string]string{"yes": "DONE", "no": "Host key verification failed."}[answer], 10*time.Second)
			codes[i] = p.wait(10 * time.Second)
			screens[i] = p.screen()
		}
		if codes[1] != codes[0] || screens[1] != asGssh(screens[0]) {
			t.Errorf("answer %s: gssh exit %d, terminal:\n%q\nssh exit %d, terminal:\n%q", answer, codes[1], screens[1], codes[0], screens[0])
		}
		if want := map[string]int{"yes": 0, "no": 255}[answer]; codes[0] != want {
			t.Errorf("answer %s: ssh exit %d, want %d", answer, codes[0], want)
		}
	}
}
