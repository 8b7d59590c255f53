//go:build unix

package main

import (
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestBadIdentityFileExpansionMatchesOpenSSH: an IdentityFile or
// CertificateFile whose expansion fails is printed verbatim by -G in both
// (TestDumpConfigMatchesOpenSSH); connecting, both refuse it with the
// same message and status (ssh after connecting, when it loads the keys;
// gssh before).
func TestBadIdentityFileExpansionMatchesOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, opt := range []string{
		"IdentityFile=/tmp/%z", "IdentityFile=/tmp/${GSSH_TEST_UNSET_VAR}", "IdentityFile=~gssh-no-such-user/k",
		"CertificateFile=/tmp/%z",
	} {
		args := []string{"-F", s.ClientConfig, "-o", opt, "sshd", "echo", "connected"}
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		want.stderr = asGssh(want.stderr)
		if got := runClient(t, gsshBin, nil, nil, args...); got != want {
			t.Errorf("%s:\n gssh %+v\n  ssh %+v", opt, got, want)
		}
	}
}
