//go:build unix

package main

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// TestDumpConfigWithUserAndSystemFiles compares `gssh -G` with `ssh -G`
// when neither gets -F: both read ~/.ssh/config and then
// /etc/ssh/ssh_config. ssh takes the home directory from the password
// database, not $HOME, so both run as the test user with files in that
// user's real home.
func TestDumpConfigWithUserAndSystemFiles(t *testing.T) {
	sshdtest.RequireTestUser(t)
	if os.Geteuid() != 0 {
		testenv.SkipOrFail(t, "needs root to run commands as the test user")
	}
	u, err := user.Lookup(sshdtest.TestUser)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dotSSH := filepath.Join(u.HomeDir, ".ssh")
	if _, err := os.Stat(dotSSH); os.IsNotExist(err) {
		if err := os.Mkdir(dotSSH, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chown(dotSSH, uid, gid)
		t.Cleanup(func() { os.RemoveAll(dotSSH) })
	}
	files := map[string]string{
		"config": `# user file: Include relative to ~/.ssh, Match, tokens, multi-values
Include conf.d/*.conf
Host web* !web-old
	User deploy
	IdentityFile ~/.ssh/id_%h
	SendEnv GSSH_*
Match user deploy host web1
	Port 2201
	ControlPath ~/.ssh/cm-%C
Host *
	IdentityFile ~/.ssh/id_common
	ServerAliveCountMax 5
	RSAAuthentication no
Host keepalive
	ServerAliveInterval 15
	BatchMode yes
`,
		"conf.d/10-db.conf": `Host db
	HostName db.internal.example
	LocalForward 5432 localhost:5432
	SetEnv A=1 B=2
`,
	}
	for name, content := range files {
		path := filepath.Join(dotSSH, name)
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s exists; refusing to overwrite the test user's file", path)
		}
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.Chown(filepath.Dir(path), uid, gid)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(path, uid, gid)
		t.Cleanup(func() { os.Remove(path) })
	}
	t.Cleanup(func() { os.Remove(filepath.Join(dotSSH, "conf.d")) })

	// The test user must be able to run the binary.
	binDir, err := os.MkdirTemp("", "gssh-user-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "gssh")
	data, err := os.ReadFile(gsshBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}

	asTestUser := func(prog string, args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command("runuser", append([]string{"-u", sshdtest.TestUser, "--", prog}, args...)...)
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %q as %s: %v: %s", prog, args, sshdtest.TestUser, err, errb.String())
		}
		return string(out), stderrLines(errb.String())
	}
	// keepaliveSet: the files set ServerAliveInterval for these hosts, so
	// gssh's own default must not be assumed there.
	for _, tc := range []struct {
		args         []string
		keepaliveSet bool
	}{
		{args: []string{"web1"}}, {args: []string{"web2"}}, {args: []string{"web-old"}}, {args: []string{"db"}},
		{args: []string{"-p", "2999", "web1"}}, {args: []string{"-l", "other", "web1"}}, {args: []string{"elsewhere.example"}},
		{args: []string{"keepalive"}, keepaliveSet: true}, {args: []string{"-o", "BatchMode=yes", "web1"}},
	} {
		want, wantErr := asTestUser("/usr/bin/ssh", append([]string{"-G"}, tc.args...)...)
		got, gotErr := asTestUser(bin, append([]string{"-G"}, tc.args...)...)
		if !tc.keepaliveSet {
			got = withKeepaliveDefault(want, got)
		}
		if got != want {
			t.Errorf("-G %q differs:\n%s", tc.args, lineDiff(want, got))
		}
		if gotErr != wantErr {
			t.Errorf("-G %q stderr:\n gssh: %q\n ssh:  %q", tc.args, gotErr, wantErr)
		}
	}
	// The files were really read: the Match block and the Include apply.
	if g, _ := asTestUser(bin, "-G", "web1"); !strings.Contains(g, "\nport 2201\n") || !strings.Contains(g, "\nuser deploy\n") {
		t.Fatalf("user config not applied:\n%s", g)
	}
	if g, _ := asTestUser(bin, "-G", "db"); !strings.Contains(g, "\nhostname db.internal.example\n") {
		t.Fatalf("included file not applied:\n%s", g)
	}
}
