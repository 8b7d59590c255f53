//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// TestKnownWithoutPortLikeOpenSSH: on a port other than 22, a key that
// known_hosts lists only under the bare host name is accepted as ssh
// 9.2 accepts it ("checking without port identifier"), a certificate
// without a known CA falling back to its plain key there too; a revoked
// one is reported under the bare name and refused, or used untrusted
// with StrictHostKeyChecking=no; nothing is written. gssh used to look
// only for a CA under the bare name and refused them all as unknown.
func TestKnownWithoutPortLikeOpenSSH(t *testing.T) {
	s := startCertServer(t, "ecdsa")
	other := filepath.Join(s.dir, "other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "", "-f", other).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	harness := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))
	name := fmt.Sprintf("[127.0.0.1]:%d", s.Port)
	cases := []struct {
		name  string
		known []string
		extra []string
		ok    bool // the connection must succeed
	}{
		{"certificate, plain key under the bare name", []string{"127.0.0.1 " + s.pub(t, "host")}, nil, true},
		{"certificate, accept-new writes nothing", []string{"127.0.0.1 " + s.pub(t, "host")}, []string{"-o", "StrictHostKeyChecking=accept-new"}, true},
		{"certificate, CA under the bare name", []string{"@cert-authority 127.0.0.1 " + s.pub(t, "ca")}, nil, true},
		{"certificate, another key under the bare name", []string{"127.0.0.1 " + s.pub(t, "other")}, nil, false},
		{"certificate, another key for the port", []string{name + " " + s.pub(t, "other"), "127.0.0.1 " + s.pub(t, "host")}, nil, true},
		{"certificate, key revoked under the bare name", []string{"@revoked 127.0.0.1 " + s.pub(t, "host")}, nil, false},
		{"certificate, CA revoked under the bare name", []string{"127.0.0.1 " + s.pub(t, "host"), "@revoked 127.0.0.1 " + s.pub(t, "ca")}, nil, true},
		{"certificate, revoked, StrictHostKeyChecking=no", []string{"@revoked 127.0.0.1 " + s.pub(t, "host")}, []string{"-o", "StrictHostKeyChecking=no"}, true},
		{"plain key under the bare name", []string{"127.0.0.1 " + harness}, []string{"-o", "HostKeyAlgorithms=ssh-ed25519"}, true},
		{"plain key, HostKeyAlias", []string{"127.0.0.1 " + harness}, []string{"-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "HostKeyAlias=alias"}, false},
	}
	home := []string{"HOME=" + s.dir}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outcome [2]result
			var files [2]string
			for i, prog := range []string{"/usr/bin/ssh", gsshBin} {
				kh := filepath.Join(t.TempDir(), "known_hosts")
				writeFile(t, kh, strings.Join(c.known, "\n")+"\n")
				args := append(append([]string{}, c.extra...), "-F", "none", "-p", fmt.Sprint(s.Port),
					"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
					"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
					"-o", "IdentityAgent=none", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
					"-i", s.UserKey, "127.0.0.1", "echo ok")
				outcome[i] = runClient(t, prog, nil, home, args...)
				files[i] = readFile(t, kh)
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
		})
	}
}
