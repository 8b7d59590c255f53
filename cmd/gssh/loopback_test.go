//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestCheckHostIPLoopbackLikeOpenSSH: with CheckHostIP=yes, a host name
// that resolves to a loopback address gets no "[127.0.0.1]:port" entry,
// neither beside a known key nor beside a new one that accept-new
// records: ssh turns the address check off for loopback connections
// (sshconnect.c check_host_key, sockaddr_is_local). gssh used to add it
// and say so.
func TestCheckHostIPLoopbackLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))
	cases := []struct {
		name   string
		known  string
		strict string
	}{
		{"known key", fmt.Sprintf("[localhost]:%d %s\n", s.Port, key), "yes"},
		{"accept-new", "", "accept-new"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outcome [2]result
			var files [2]string
			for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
				kh := filepath.Join(t.TempDir(), "known_hosts")
				writeFile(t, kh, c.known)
				outcome[i] = runClient(t, prog, nil, nil, "-F", "none", "-p", fmt.Sprint(s.Port),
					"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
					"-o", "CheckHostIP=yes", "-o", "StrictHostKeyChecking="+c.strict, "-o", "BatchMode=yes",
					"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", s.UserKey, "localhost", "echo ok")
				files[i] = readFile(t, kh)
			}
			want, got := outcome[0], outcome[1]
			assertNoPanic(t, got)
			if want.code != 0 {
				t.Fatalf("ssh: exit %d, stderr %q", want.code, want.stderr)
			}
			if got.code != want.code || got.stderr != asGssh(want.stderr) || got.stdout != want.stdout {
				t.Errorf("gssh: exit %d stdout %q stderr %q\n ssh: exit %d stdout %q stderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
			if files[1] != files[0] {
				t.Errorf("known_hosts after gssh:\n%s\nafter ssh:\n%s", files[1], files[0])
			}
		})
	}
}

// TestLoopbackHostKeyOrderLikeOpenSSH follows ssh's order for a server
// key: RevokedHostKeys first (verify_host_key), then, in
// check_host_key, NoHostAuthenticationForLocalhost (a loopback server
// is accepted unchecked unless HostKeyAlias is set), then
// KnownHostsCommand (HOSTNAME; ADDRESS only where CheckHostIP applies,
// so never on loopback). Both clients run with the same files; their
// status, output, known_hosts and the command's invocations must match.
// gssh used to ignore NoHostAuthenticationForLocalhost, ran the command
// before reading RevokedHostKeys, and ran it for ADDRESS on loopback.
func TestLoopbackHostKeyOrderLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	revoked := filepath.Join(dir, "revoked")
	writeFile(t, revoked, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))+"\n")
	script := filepath.Join(dir, "khc")
	writeFile(t, script, "#!/bin/sh\necho \"$@\" >> \"$KHC_LOG\"\n[ \"$1\" = ORDER ] || exit \"$KHC_STATUS\"\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	command := "KnownHostsCommand=" + script + " %I %H"
	cases := []struct {
		name   string
		host   string
		status string // KnownHostsCommand's exit status, but for ORDER
		extra  []string
		ok     bool // the connection must succeed
	}{
		{"NoHostAuthenticationForLocalhost", "127.0.0.1", "0", []string{"-o", "NoHostAuthenticationForLocalhost=yes"}, true},
		{"NoHostAuthenticationForLocalhost by name", "localhost", "0", []string{"-o", "NoHostAuthenticationForLocalhost=yes"}, true},
		{"NoHostAuthenticationForLocalhost and HostKeyAlias", "127.0.0.1", "0", []string{"-o", "NoHostAuthenticationForLocalhost=yes", "-o", "HostKeyAlias=alias"}, false},
		{"NoHostAuthenticationForLocalhost, revoked", "127.0.0.1", "0", []string{"-o", "NoHostAuthenticationForLocalhost=yes", "-o", "RevokedHostKeys=" + revoked}, false},
		{"revoked before a failing command", "127.0.0.1", "1", []string{"-o", "RevokedHostKeys=" + revoked}, false},
		{"no ADDRESS on loopback", "localhost", "0", []string{"-o", "CheckHostIP=yes"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outcome [2]result
			var files, calls [2]string
			for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
				kh := filepath.Join(t.TempDir(), "known_hosts")
				writeFile(t, kh, "")
				khcLog := filepath.Join(t.TempDir(), "khc.log")
				writeFile(t, khcLog, "")
				args := append(append([]string{}, c.extra...), "-F", "none", "-p", fmt.Sprint(s.Port),
					"-o", command, "-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
					"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
					"-o", "IdentityAgent=none", "-i", s.UserKey, c.host, "echo ok")
				outcome[i] = runClient(t, prog, nil, []string{"KHC_LOG=" + khcLog, "KHC_STATUS=" + c.status}, args...)
				files[i], calls[i] = readFile(t, kh), readFile(t, khcLog)
			}
			want, got := outcome[0], outcome[1]
			assertNoPanic(t, got)
			if c.ok != (want.code == 0) {
				t.Fatalf("ssh: exit %d, stderr %q", want.code, want.stderr)
			}
			if got.code != want.code || got.stderr != asGssh(want.stderr) || got.stdout != want.stdout {
				t.Errorf("gssh: exit %d stdout %q stderr %q\n ssh: exit %d stdout %q stderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
			if files[1] != files[0] {
				t.Errorf("known_hosts after gssh:\n%s\nafter ssh:\n%s", files[1], files[0])
			}
			if calls[1] != calls[0] {
				t.Errorf("KnownHostsCommand runs, gssh:\n%s\nssh:\n%s", calls[1], calls[0])
			}
		})
	}
}
