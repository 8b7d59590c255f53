package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// git runs git in dir with gssh as its ssh, failing the test on error.
func git(t *testing.T, dir, sshCommand string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_SSH_COMMAND="+sshCommand,
		"GIT_AUTHOR_NAME=gssh test", "GIT_AUTHOR_EMAIL=test@example.invalid",
		"GIT_COMMITTER_NAME=gssh test", "GIT_COMMITTER_EMAIL=test@example.invalid",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestGitCloneWithPort: git first probes `ssh -G` to learn whether it may
// pass -p, then runs git-upload-pack; an ssh:// URL with a port only works
// when both steps do.
func TestGitCloneWithPort(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is required under CI")
		}
		t.Skip("git not installed")
	}
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	git(t, work, "false", "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(work, "file.txt"), "cloned through gssh\n")
	git(t, work, "false", "add", "file.txt")
	git(t, work, "false", "commit", "-q", "-m", "first")
	bare := filepath.Join(dir, "repo.git")
	git(t, dir, "false", "clone", "-q", "--bare", work, bare)

	sshCommand := fmt.Sprintf("%s -F %s", gsshBin, s.ClientConfig)
	url := fmt.Sprintf("ssh://sshd:%d%s", s.Port, bare)
	git(t, dir, sshCommand, "clone", "-q", url, "clone")
	got := readFile(t, filepath.Join(dir, "clone", "file.txt"))
	if got != "cloned through gssh\n" {
		t.Fatalf("cloned file.txt = %q", got)
	}
	heads := git(t, dir, sshCommand, "ls-remote", url)
	if !strings.Contains(heads, "refs/heads/main") {
		t.Fatalf("ls-remote over gssh: %q", heads)
	}
}
