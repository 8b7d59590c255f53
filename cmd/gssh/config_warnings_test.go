//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestConfigWarningsMatchOpenSSH connects with configuration warnings
// (an unsupported keyword in a file and in -o, a missing agent socket)
// under the log levels that decide whether ssh prints them: stdout,
// stderr and status must be ssh's.
func TestConfigWarningsMatchOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := filepath.Join(t.TempDir(), "config")
	base, err := os.ReadFile(s.ClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	extra := "KerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"
	if err := os.WriteFile(cfg, append([]byte(extra), base...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flags := range [][]string{
		nil, {"-q"}, {"-o", "LogLevel=fatal"}, {"-o", "RSAAuthentication=no"}, {"-q", "-o", "RSAAuthentication=no"},
	} {
		args := append(append([]string{"-F", cfg}, flags...), "sshd-user", "echo", "connected")
		want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
		want.stderr = asGssh(want.stderr)
		if got := runClient(t, gsshBin, nil, nil, args...); got != want {
			t.Errorf("%q:\n gssh %+v\n  ssh %+v", flags, got, want)
		}
	}
}
