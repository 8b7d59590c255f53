//go:build unix

package main

import (
	"crypto/rand"
	"crypto/sha256"
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

// requireTool fails under CI and skips elsewhere when a caller is missing.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// runTool runs a caller of ssh and fails the test on error.
func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
}

// makeTree writes a small tree of random files and returns its digest.
func makeTree(t *testing.T, root string) string {
	t.Helper()
	for i, size := range []int{0, 1, 4096, 1 << 20, 3<<20 + 7} {
		dir := filepath.Join(root, fmt.Sprintf("d%d", i%2))
		os.MkdirAll(dir, 0o755)
		data := make([]byte, size)
		rand.Read(data)
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d", i)), string(data))
	}
	return treeDigest(t, root)
}

// treeDigest hashes every regular file's relative path and content.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		data, err := os.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", rel, len(data))
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestRsyncBothDirections: rsync runs `gssh -l USER HOST rsync --server …`,
// with words after the host that start with '-'.
func TestRsyncBothDirections(t *testing.T) {
	requireTool(t, "rsync")
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	src, remote, back := filepath.Join(dir, "src"), filepath.Join(dir, "remote"), filepath.Join(dir, "back")
	want := makeTree(t, src)
	rsh := fmt.Sprintf("%s -F %s", gsshBin, s.ClientConfig)
	runTool(t, "rsync", "-a", "-e", rsh, src+"/", "sshd:"+remote+"/")
	runTool(t, "rsync", "-a", "-e", rsh, "sshd:"+remote+"/", back+"/")
	if got := treeDigest(t, remote); got != want {
		t.Fatalf("uploaded tree differs")
	}
	if got := treeDigest(t, back); got != want {
		t.Fatalf("downloaded tree differs")
	}
}

// TestScpAndSftp: scp and sftp run their ssh with -s … sftp and pass
// options as single "-oKey value" words.
func TestScpAndSftp(t *testing.T) {
	requireTool(t, "scp")
	requireTool(t, "sftp")
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	want := makeTree(t, src)
	up, down := filepath.Join(dir, "up"), filepath.Join(dir, "down")
	runTool(t, "scp", "-q", "-r", "-S", gsshBin, "-F", s.ClientConfig, src, "sshd:"+up)
	runTool(t, "scp", "-q", "-r", "-S", gsshBin, "-F", s.ClientConfig, "sshd:"+up, down)
	if treeDigest(t, up) != want || treeDigest(t, down) != want {
		t.Fatal("scp round trip changed the tree")
	}

	batch := filepath.Join(dir, "batch")
	viaSftp := filepath.Join(dir, "via-sftp")
	writeFile(t, batch, fmt.Sprintf("get %s %s\nls %s\n", filepath.Join(src, "d1", "f1"), viaSftp, src))
	runTool(t, "sftp", "-q", "-S", gsshBin, "-F", s.ClientConfig, "-b", batch, "sshd")
	if readFile(t, viaSftp) != readFile(t, filepath.Join(src, "d1", "f1")) {
		t.Fatal("sftp get returned different bytes")
	}
}
