//go:build unix

package main

import (
	"fmt"
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
