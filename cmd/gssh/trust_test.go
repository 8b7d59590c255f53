//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// Tests for what decides whether a server's key, or the user's own key,
// is trusted: KnownHostsCommand, CASignatureAlgorithms, HostKeyAlgorithms,
// RequiredRSASize and private key permissions. Each runs /usr/bin/ssh
// beside gssh against the same sshd and compares stderr and exit status.

// keygen runs ssh-keygen -q -N "" -f path with args and returns the
// public key as "type base64".
func keygen(t *testing.T, path string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", append([]string{"-q", "-N", "", "-f", path}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %q: %v\n%s", args, err, out)
	}
	return pubText(t, path+".pub")
}

// pubText reads a .pub file as "type base64", without its comment.
func pubText(t *testing.T, path string) string {
	t.Helper()
	f := strings.Fields(readFile(t, path))
	return f[0] + " " + f[1]
}

// sameAsOpenSSH runs ssh and gssh with args and env and fails the test
// unless stderr (program name aside) and exit status agree; it returns
// gssh's result.
func sameAsOpenSSH(t *testing.T, env []string, args ...string) result {
	t.Helper()
	want := runClient(t, "/usr/bin/ssh", nil, env, args...)
	got := runClient(t, gsshBin, nil, env, args...)
	assertNoPanic(t, got)
	if got.code != want.code || got.stderr != asGssh(want.stderr) {
		t.Errorf("gssh and ssh differ\n gssh %d %q\n  ssh %d %q", got.code, got.stderr, want.code, want.stderr)
	}
	return got
}

// directArgs connect to s as the current user with its key, BatchMode,
// and no system known_hosts.
func directArgs(s *sshdtest.Server, extra ...string) []string {
	args := []string{"-F", "none", "-p", strconv.Itoa(s.Port), "-i", s.UserKey, "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null"}
	return append(args, extra...)
}

// TestKnownHostsCommandLikeOpenSSH: the keys KnownHostsCommand prints are
// trusted like known_hosts lines, a different key is a changed host key
// (never replaced or written by accept-new), and the command's failures
// end the connection as ssh ends it. Before, gssh ignored the command.
func TestKnownHostsCommandLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	other := keygen(t, filepath.Join(dir, "other"), "-t", "ed25519")
	name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	out := filepath.Join(dir, "out")
	argvLog := filepath.Join(dir, "argv")
	script := filepath.Join(dir, "khc")
	writeFile(t, script, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done >> "+argvLog+"\necho >> "+argvLog+
		"\ncat "+out+"\nexit ${KHC_EXIT:-0}\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, printed, command, strict string
		env                            []string
		code                           int
	}{
		{"another key, strict", name + " " + other, script, "yes", nil, 255},
		{"another key, accept-new", name + " " + other, script, "accept-new", nil, 255},
		{"another key, ask", name + " " + other, script, "ask", nil, 255},
		{"another key, no", name + " " + other, script, "no", nil, 0},
		{"revoked", "@revoked " + s.KnownHostsLine(), script, "accept-new", nil, 255},
		{"the server's key", s.KnownHostsLine(), script, "yes", nil, 0},
		{"the key for another name", "elsewhere " + other, script, "accept-new", nil, 0},
		{"tokens", s.KnownHostsLine(), script + " %I %H %h %p %n %r %t %f %K %% ${KHC_VAR}", "yes", []string{"KHC_VAR=v"}, 0},
		{"shell syntax stays literal", s.KnownHostsLine(), script + " ';touch " + dir + "/p1;' '$(touch " + dir + "/p2)' `touch " + dir + "/p3`", "yes", nil, 0},
		{"relative path", s.KnownHostsLine(), "khc %h", "yes", nil, 255},
		{"missing program", s.KnownHostsLine(), dir + "/missing %h", "yes", nil, 255},
		{"not executable", s.KnownHostsLine(), dir + " %h", "yes", nil, 255},
		{"exit status 3", s.KnownHostsLine(), script + " 'a b'", "yes", []string{"KHC_EXIT=3"}, 255},
		{"unknown token", s.KnownHostsLine(), script + " %Z", "yes", nil, 255},
		{"unset variable", s.KnownHostsLine(), script + " ${KHC_UNSET_VARIABLE}", "yes", nil, 255},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			writeFile(t, out, c.printed+"\n")
			known := filepath.Join(t.TempDir(), "known_hosts")
			args := directArgs(s, "-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking="+c.strict,
				"-o", "KnownHostsCommand="+c.command, s.Host, "echo ok")
			os.Remove(argvLog)
			want := runClient(t, "/usr/bin/ssh", nil, c.env, args...)
			wantArgv, _ := os.ReadFile(argvLog)
			if _, err := os.Stat(known); err == nil && c.name != "the key for another name" {
				t.Fatalf("ssh wrote %s", known)
			}
			os.Remove(known)
			os.Remove(argvLog)
			got := runClient(t, gsshBin, nil, c.env, args...)
			gotArgv, _ := os.ReadFile(argvLog)
			assertNoPanic(t, got)
			if got.code != c.code || want.code != c.code || got.stderr != asGssh(want.stderr) {
				t.Errorf("want exit %d\n gssh %d %q\n  ssh %d %q", c.code, got.code, got.stderr, want.code, want.stderr)
			}
			if string(gotArgv) != string(wantArgv) {
				t.Errorf("the command's arguments\n gssh %s\n  ssh %s", gotArgv, wantArgv)
			}
			_, err := os.Stat(known)
			if wrote := err == nil; wrote != (c.name == "the key for another name") {
				t.Errorf("known_hosts written: %v", wrote)
			}
			for _, p := range []string{"p1", "p2", "p3"} {
				if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
					t.Errorf("a shell ran the command's arguments: %s exists", p)
				}
			}
		})
	}
}

// TestHostCertificateCASignatureAlgorithms: a host certificate whose CA
// signed with ssh-rsa (SHA-1) is not trusted unless CASignatureAlgorithms
// allows it; gssh used to trust it.
func TestHostCertificateCASignatureAlgorithms(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	caPub := keygen(t, ca, "-t", "rsa", "-b", "2048")
	for _, c := range []struct {
		name, sigAlg string
		options      []string
		code         int
	}{
		{"ssh-rsa by default", "ssh-rsa", nil, 255},
		{"ssh-rsa allowed", "ssh-rsa", []string{"-o", "CASignatureAlgorithms=+ssh-rsa"}, 0},
		{"rsa-sha2-512", "rsa-sha2-512", nil, 0},
		{"rsa-sha2-256 not allowed", "rsa-sha2-256", []string{"-o", "CASignatureAlgorithms=ssh-ed25519,rsa-sha2-512"}, 255},
	} {
		t.Run(c.name, func(t *testing.T) {
			host := filepath.Join(t.TempDir(), "host")
			keygen(t, host, "-t", "ed25519")
			out, err := exec.Command("ssh-keygen", "-q", "-s", ca, "-t", c.sigAlg, "-h", "-I", "host", "-n", "127.0.0.1", host+".pub").CombinedOutput()
			if err != nil {
				t.Fatalf("sign: %v\n%s", err, out)
			}
			s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"HostKey " + host, "HostCertificate " + host + "-cert.pub"}})
			known := filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, known, "@cert-authority * "+caPub+"\n")
			args := directArgs(s, append(c.options, "-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking=yes", s.Host, "echo ok")...)
			if r := sameAsOpenSSH(t, nil, args...); r.code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, c.code, r.stderr)
			}
		})
	}
}

// TestUserCertificateCASignatureLikeOpenSSH pins a measured fact:
// ssh 9.2 offers a user certificate whatever algorithm its CA signed it
// with (CASignatureAlgorithms is for host certificates; the server judges
// user certificates), so gssh does too.
func TestUserCertificateCASignatureLikeOpenSSH(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	keygen(t, ca, "-t", "rsa", "-b", "2048")
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"TrustedUserCAKeys " + ca + ".pub", "CASignatureAlgorithms +ssh-rsa"}})
	user := filepath.Join(dir, "user")
	keygen(t, user, "-t", "ed25519")
	login := strings.TrimSpace(runClient(t, "id", nil, nil, "-un").stdout)
	out, err := exec.Command("ssh-keygen", "-q", "-s", ca, "-t", "ssh-rsa", "-I", "user", "-n", login, user+".pub").CombinedOutput()
	if err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	args := []string{"-F", "none", "-p", strconv.Itoa(s.Port), "-i", user, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "UserKnownHostsFile=" + s.KnownHosts,
		"-o", "CASignatureAlgorithms=ssh-ed25519", s.Host, "echo ok"}
	if r := sameAsOpenSSH(t, nil, args...); r.code != 0 || r.stdout != "ok\n" {
		t.Errorf("certificate login: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestHostKeyAlgorithmsNeverOfferSSHRSA: with HostKeyAlgorithms unset,
// gssh offers OpenSSH 9.2's list, without ssh-rsa (x/crypto's default has
// it, and gssh used to log in to a server offering only ssh-rsa). sshd
// logs the client's offer; both clients' must be the same.
func TestHostKeyAlgorithmsNeverOfferSSHRSA(t *testing.T) {
	dir := t.TempDir()
	rsaKey := filepath.Join(dir, "rsa")
	rsaPub := keygen(t, rsaKey, "-t", "rsa", "-b", "3072")
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"HostKey " + rsaKey, "HostKeyAlgorithms ssh-rsa"}})
	known := filepath.Join(dir, "known_hosts")
	writeFile(t, known, "["+s.Host+"]:"+strconv.Itoa(s.Port)+" "+rsaPub+"\n")
	args := directArgs(s, "-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking=yes")
	if r := sameAsOpenSSH(t, nil, append(args, s.Host, "echo ok")...); r.code != 255 {
		t.Fatalf("logged in with ssh-rsa: exit %d stdout %q", r.code, r.stdout)
	}
	offers := hostKeyOffers(t, s, 2)
	if offers[0] != offers[1] {
		t.Fatalf("sshd saw different offers\n  ssh %s\n gssh %s", offers[0], offers[1])
	}
	for _, a := range strings.Split(offers[1], ",") {
		if a == "ssh-rsa" || a == "ssh-rsa-cert-v01@openssh.com" {
			t.Errorf("gssh offered %s: %s", a, offers[1])
		}
	}
	// ssh reports the failed negotiation at INFO (logdie).
	if r := sameAsOpenSSH(t, nil, append(args, "-o", "LogLevel=ERROR", s.Host, "echo ok")...); r.code != 255 || r.stderr != "" {
		t.Errorf("LogLevel=ERROR: exit %d stderr %q, want 255 and silence", r.code, r.stderr)
	}
	// Configured, ssh-rsa is used.
	if r := sameAsOpenSSH(t, nil, append(args, "-o", "HostKeyAlgorithms=+ssh-rsa", s.Host, "echo ok")...); r.code != 0 || r.stdout != "ok\n" {
		t.Errorf("HostKeyAlgorithms=+ssh-rsa: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// hostKeyOffers waits for sshd to log n failed host key negotiations (it
// writes the line as its side of the connection ends, which may be after
// the client exited) and returns the clients' offers, in order.
func hostKeyOffers(t *testing.T, s *sshdtest.Server, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		var offers []string
		for _, line := range strings.Split(readLog(t, s), "\n") {
			if _, offer, ok := strings.Cut(line, "no matching host key type found. Their offer: "); ok {
				offers = append(offers, strings.TrimSuffix(strings.TrimRight(offer, "\r"), " [preauth]"))
			}
		}
		if len(offers) >= n {
			return offers
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd logged %d failed negotiations, want %d:\n%s", len(offers), n, readLog(t, s))
		}
		time.Sleep(delay)
	}
}

// TestRequiredRSASizeLikeOpenSSH: an RSA key shorter than RequiredRSASize
// is refused as the server's host key and not used as the user's key, in
// a file or in the agent; gssh used both.
func TestRequiredRSASizeLikeOpenSSH(t *testing.T) {
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_rsa")
	hostPub := keygen(t, hostKey, "-t", "rsa", "-b", "1024")
	userKey := filepath.Join(dir, "id_rsa")
	userPub := keygen(t, userKey, "-t", "rsa", "-b", "1024")
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"HostKey " + hostKey,
		"HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256,ssh-ed25519"}})
	authorized := filepath.Join(s.Dir, "authorized_keys")
	if err := os.WriteFile(authorized, []byte(readFile(t, authorized)+userPub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(dir, "known_hosts")
	writeFile(t, known, s.KnownHostsLine()+"\n["+s.Host+"]:"+strconv.Itoa(s.Port)+" "+hostPub+"\n")
	agentSock := startAgent(t, dir, userKey)
	base := []string{"-F", "none", "-p", strconv.Itoa(s.Port), "-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "UserKnownHostsFile=" + known, "-o", "StrictHostKeyChecking=yes", "-o", "PasswordAuthentication=no"}
	// The host key cases use the 1024-bit RSA host key, the user key
	// cases the ed25519 one.
	rsaHost := []string{"-o", "HostKeyAlgorithms=rsa-sha2-512"}
	edHost := []string{"-o", "HostKeyAlgorithms=ssh-ed25519"}
	fileKey := []string{"-i", userKey, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"}
	agentKey := []string{"-o", "IdentityAgent=" + agentSock, "-o", "IdentityFile=" + filepath.Join(dir, "absent")}
	strict := []string{"-o", "RequiredRSASize=2048"}
	for _, c := range []struct {
		name string
		args [][]string
		code int
	}{
		{"1024-bit keys by default", [][]string{rsaHost, fileKey}, 0},
		{"host key below RequiredRSASize", [][]string{rsaHost, fileKey, strict}, 255},
		{"user key below RequiredRSASize", [][]string{edHost, fileKey, strict}, 255},
		{"agent key by default", [][]string{edHost, agentKey}, 0},
		{"agent key below RequiredRSASize", [][]string{edHost, agentKey, strict}, 255},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := slices.Concat(append([][]string{base}, c.args...)...)
			if r := sameAsOpenSSH(t, nil, append(args, s.Host, "echo ok")...); r.code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, c.code, r.stderr)
			}
		})
	}
}

// startAgent runs an ssh-agent holding key for the test; it returns the
// agent's socket.
func startAgent(t *testing.T, dir, key string) string {
	t.Helper()
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	stdout, err := agent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	// The agent prints its SSH_AUTH_SOCK line once the socket listens.
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	add := exec.Command("ssh-add", "-q", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	return sock
}

// TestUnprotectedKeyLikeOpenSSH: a private key that others may read is
// ignored with ssh's banner, the mode printed as ssh prints it (0%3.3o).
func TestUnprotectedKeyLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o004} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			key := filepath.Join(t.TempDir(), "id")
			writeFile(t, key, readFile(t, s.UserKey))
			if err := os.Chmod(key, mode); err != nil {
				t.Fatal(err)
			}
			args := []string{"-F", "none", "-p", strconv.Itoa(s.Port), "-i", key, "-o", "IdentitiesOnly=yes",
				"-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no",
				"-o", "UserKnownHostsFile=" + s.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null", s.Host, "true"}
			r := sameAsOpenSSH(t, nil, args...)
			if r.code != 255 || !strings.Contains(r.stderr, "UNPROTECTED PRIVATE KEY FILE") {
				t.Errorf("exit %d stderr %q", r.code, r.stderr)
			}
		})
	}
}

// TestNoUserKnownHostsFileRefusesNewKeys: with UserKnownHostsFile none
// there is nowhere to record a key, and ssh's check is read-only: a new
// key is refused even under accept-new or no (gssh used to connect).
func TestNoUserKnownHostsFileRefusesNewKeys(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, strict := range []string{"accept-new", "no"} {
		t.Run(strict, func(t *testing.T) {
			args := directArgs(s, "-o", "UserKnownHostsFile=none", "-o", "StrictHostKeyChecking="+strict, s.Host, "echo ok")
			if r := sameAsOpenSSH(t, nil, args...); r.code != 255 || r.stdout != "" {
				t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestKnownHostsCommandOutlastsConnectTimeout: ConnectTimeout bounds the
// server, not the local command: ssh waits for a KnownHostsCommand that
// takes longer, and so does gssh, whose handshake budget is held while it
// runs as it is at a prompt.
func TestKnownHostsCommandOutlastsConnectTimeout(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	writeFile(t, out, s.KnownHostsLine()+"\n")
	script := filepath.Join(dir, "slow")
	// The delay is the behaviour under test: longer than ConnectTimeout.
	writeFile(t, script, "#!/bin/sh\n[ \"$1\" = HOSTNAME ] && sleep 2\ncat "+out+"\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	args := directArgs(s, "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=1",
		"-o", "KnownHostsCommand="+script+" %I", s.Host, "echo ok")
	if r := sameAsOpenSSH(t, nil, args...); r.code != 0 || r.stdout != "ok\n" {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
