//go:build unix

package main

import (
	"strconv"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestConnectOptionsMatchOpenSSH runs both clients with the connection
// options ssh users rely on and compares stdout, stderr and status:
// BindAddress (-b, seen by the server in SSH_CLIENT), BindInterface (-B),
// AddressFamily (-4, and -6 to an IPv4 HostName), CheckHostIP,
// UpdateHostKeys (accepted; the server has no other key to offer), SendEnv
// patterns with a "-" removal, and -q silencing a fatal error. The
// non-root login keeps root's shell start-up noise out of stderr.
func TestConnectOptionsMatchOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{"AcceptEnv GSSH_*"}})
	client := `echo "${SSH_CLIENT%% *}" "$GSSH_TA" "$GSSH_TB" "$OTHER"`
	env := []string{"GSSH_TA=a", "GSSH_TB=b", "OTHER=o"}
	for _, args := range [][]string{
		{"-b", "127.0.0.2", "sshd-user", client},
		{"-B", "lo", "sshd-user", client},
		{"-4", "sshd-user", client},
		{"-6", "sshd-user", client},
		{"-o", "CheckHostIP=yes", "sshd-user", client},
		{"-o", "UpdateHostKeys=yes", "sshd-user", client},
		{"-o", "SendEnv=GSSH_T*", "-o", "SendEnv=-GSSH_TB", "sshd-user", client},
		{"-o", "SendEnv=GSSH_T? OTHER", "sshd-user", client},
		{"-q", "-p", strconv.Itoa(freeLocalPort(t)), "sshd-user", client},
	} {
		args = append([]string{"-F", s.ClientConfig}, args...)
		want := runClient(t, "/usr/bin/ssh", nil, env, args...)
		want.stderr = asGssh(want.stderr)
		if got := runClient(t, gsshBin, nil, env, args...); got != want {
			t.Errorf("%q:\n gssh %+v\n  ssh %+v", args, got, want)
		}
	}
}
