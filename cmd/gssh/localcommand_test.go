//go:build unix

package main

import (
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestLocalCommandMatchesOpenSSH: with PermitLocalCommand, LocalCommand
// runs locally through the shell once connected, with every token ssh
// expands, before the remote command's output; without it, or with
// PermitLocalCommand=no as scp and sftp pass it, nothing runs. stdout,
// stderr and exit status equal ssh's.
func TestLocalCommandMatchesOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	local := "LocalCommand=echo local %h %p %r %n %C %d %u %l %L %T %k %i %% $((6*7)); echo to stderr >&2; exit 3"
	for _, args := range [][]string{
		{"-F", s.ClientConfig, "-o", "PermitLocalCommand=yes", "-o", local, "sshd", "echo remote"},
		{"-F", s.ClientConfig, "-o", "PermitLocalCommand=no", "-o", local, "sshd", "echo remote"},
		{"-F", s.ClientConfig, "-o", local, "sshd", "echo remote"},
		{"-F", s.ClientConfig, "-o", "PermitLocalCommand=yes", "-o", "LocalCommand=none", "sshd", "echo remote"},
	} {
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		if got := gssh(t, nil, args...); got != want {
			t.Errorf("%q:\n gssh %+v\n  ssh %+v", args, got, want)
		}
	}
}
