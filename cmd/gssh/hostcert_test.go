//go:build unix

package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestHostCertificateChecksLikeOpenSSH: every check OpenSSH 9.2 makes on
// a host certificate a @cert-authority line vouches for
// (sshkey_cert_check_host: certificate type, validity against the local
// clock, principals compared exactly with HostKeyAlias or the host name,
// critical options, then the CA's signature algorithm), each with a
// certificate made by ssh-keygen -s and /usr/bin/ssh run beside gssh on
// the same server: same exit status, same stderr. A certificate without
// principals (ssh-keygen -h without -n) is valid for any host; gssh used
// to refuse it. A refused certificate falls back to its plain key, which
// is unknown here, so strict checking then fails.
func TestHostCertificateChecksLikeOpenSSH(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	caPub := keygen(t, ca, "-t", "ed25519")
	for _, c := range []struct {
		name    string
		sign    []string // ssh-keygen -s arguments besides the CA, -I and the key
		known   string   // the hosts field of the @cert-authority line
		options []string
		code    int
	}{
		{"no principals", []string{"-h"}, "*", nil, 0},
		{"no principals, HostKeyAlias", []string{"-h"}, "alias.example", []string{"-o", "HostKeyAlias=alias.example"}, 0},
		{"no principals, CheckHostIP", []string{"-h"}, "*", []string{"-o", "CheckHostIP=yes"}, 0},
		{"principal is the host", []string{"-h", "-n", "127.0.0.1"}, "*", nil, 0},
		{"principal among others", []string{"-h", "-n", "a.example,127.0.0.1,b.example"}, "*", nil, 0},
		{"principal is another host", []string{"-h", "-n", "other.example"}, "*", nil, 255},
		{"principals are not patterns", []string{"-h", "-n", "127.0.0.*"}, "*", nil, 255},
		{"principal is the HostKeyAlias", []string{"-h", "-n", "alias.example"}, "alias.example", []string{"-o", "HostKeyAlias=alias.example"}, 0},
		{"principal is the host, not the HostKeyAlias", []string{"-h", "-n", "127.0.0.1"}, "alias.example", []string{"-o", "HostKeyAlias=alias.example"}, 255},
		{"expired", []string{"-h", "-V", "-2d:-1d"}, "*", nil, 255},
		{"not yet valid", []string{"-h", "-V", "+1d:+2d"}, "*", nil, 255},
		{"valid now", []string{"-h", "-V", "-1d:+1d"}, "*", nil, 0},
		{"critical option", []string{"-h", "-O", "force-command=true"}, "*", nil, 255},
		{"user certificate", []string{"-n", "127.0.0.1"}, "*", nil, 255},
		{"CA for another host", []string{"-h"}, "other.example", nil, 255},
	} {
		t.Run(c.name, func(t *testing.T) {
			host := filepath.Join(t.TempDir(), "host")
			keygen(t, host, "-t", "ed25519")
			args := append([]string{"-q", "-s", ca, "-I", "host"}, c.sign...)
			if out, err := exec.Command("ssh-keygen", append(args, host+".pub")...).CombinedOutput(); err != nil {
				t.Fatalf("sign: %v\n%s", err, out)
			}
			s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"HostKey " + host, "HostCertificate " + host + "-cert.pub"}})
			known := filepath.Join(t.TempDir(), "known_hosts")
			writeFile(t, known, "@cert-authority "+c.known+" "+caPub+"\n")
			args = directArgs(s, append(c.options, "-o", "UserKnownHostsFile="+known, "-o", "StrictHostKeyChecking=yes", s.Host, "echo ok")...)
			r := sameAsOpenSSH(t, nil, args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, c.code, r.stderr)
			}
			if c.code == 0 && r.stdout != "ok\n" {
				t.Errorf("stdout %q", r.stdout)
			}
			if strings.TrimSpace(readFile(t, known)) != "@cert-authority "+c.known+" "+caPub {
				t.Errorf("known_hosts changed:\n%s", readFile(t, known))
			}
		})
	}
}
