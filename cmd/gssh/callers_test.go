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
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
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

// TestGitOverGssh runs git as OpenSSH's callers do, with gssh as its ssh:
// clone, push and ls-remote over an scp-style URL (host:path, the port
// from the configuration) and over an ssh:// URL whose port only the URL
// carries. git probes `ssh -G` before it passes -p, so the second form
// needs both -G and the git-upload-pack/git-receive-pack sessions.
func TestGitOverGssh(t *testing.T) {
	requireTool(t, "git")
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

	// "portless" has no Port line: with ssh:// the port comes from -p.
	cfg := filepath.Join(dir, "ssh_config")
	portless := strings.SplitN(s.ClientConfigText(), "Host sshd-user", 2)[0]
	portless = strings.Replace(portless, "Host sshd\n", "Host portless\n", 1)
	portless = strings.Replace(portless, fmt.Sprintf("\tPort %d\n", s.Port), "", 1)
	writeFile(t, cfg, s.ClientConfigText()+portless)
	sshCommand := fmt.Sprintf("%s -F %s", gsshBin, cfg)
	for _, tc := range []struct{ name, url string }{
		{"scp-style", "sshd:" + bare},
		{"ssh-url-with-port", fmt.Sprintf("ssh://portless:%d%s", s.Port, bare)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clone := filepath.Join(dir, "clone-"+tc.name)
			git(t, dir, sshCommand, "clone", "-q", tc.url, clone)
			if got := readFile(t, filepath.Join(clone, "file.txt")); got != "cloned through gssh\n" {
				t.Fatalf("cloned file.txt = %q", got)
			}
			writeFile(t, filepath.Join(clone, tc.name+".txt"), "pushed through gssh\n")
			git(t, clone, sshCommand, "add", tc.name+".txt")
			git(t, clone, sshCommand, "commit", "-q", "-m", "push over "+tc.name)
			git(t, clone, sshCommand, "push", "-q", "origin", "main")
			head := strings.TrimSpace(git(t, clone, sshCommand, "rev-parse", "HEAD"))
			if got := strings.TrimSpace(git(t, bare, "false", "rev-parse", "main")); got != head {
				t.Fatalf("bare repo main = %s after push, want %s", got, head)
			}
			if got := git(t, bare, "false", "show", "main:"+tc.name+".txt"); got != "pushed through gssh\n" {
				t.Fatalf("pushed file = %q", got)
			}
			heads := git(t, dir, sshCommand, "ls-remote", tc.url)
			if !strings.Contains(heads, head+"\trefs/heads/main") {
				t.Fatalf("ls-remote over gssh: %q, want %s refs/heads/main", heads, head)
			}
		})
	}
}

// requireTool ends the test through testenv.SkipOrFail when a caller
// of ssh is missing.
func requireTool(t *testing.T, name string) {
	t.Helper()
	testenv.LookPath(t, name)
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

// TestAnsibleWithProxyCommand: ansible users reach hosts through a
// ProxyCommand in ansible_ssh_common_args. The ProxyCommand lives as
// long as the background master's connection, so it must not inherit the
// pipe the foreground gssh waits on for the master's readiness.
func TestAnsibleWithProxyCommand(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	args := []string{"-F", s.ClientConfig, "-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s",
		"-o", "ProxyCommand=" + gsshBin + " -F " + s.ClientConfig + " -W %h:%p sshd",
		"-o", "ControlPath=" + filepath.Join(muxDir(t), "%C")}
	t.Cleanup(func() { gssh(t, nil, append(args, "-O", "exit", "sshd")...) })
	start := time.Now()
	r := gssh(t, nil, append(args, "sshd", `/bin/sh -c 'echo ansible-ok && sleep 0'`)...)
	if r.code != 0 || r.stdout != "ansible-ok\n" {
		t.Fatalf("through a ProxyCommand: %+v", r)
	}
	if d := time.Since(start); d > returnsAtOnce {
		t.Fatalf("took %v, want at most %v: the master's ProxyCommand held the readiness pipe", d, returnsAtOnce)
	} else {
		t.Logf("returned after %v", d.Round(time.Millisecond))
	}
}

// TestAnsibleCommandLine runs ansible's ssh command line (its defaults:
// compression, a persistent master, publickey only, a quoted ControlPath)
// twice, the second time through the master the first left behind, then
// ends the master with -O exit and checks that it is gone. Each run must
// return as soon as the command ends: the background master must not
// hold the caller's pipes.
func TestAnsibleCommandLine(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cpdir := muxDir(t)
	controlPath := filepath.Join(cpdir, "%C")
	args := []string{"-F", s.ClientConfig, "-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s",
		"-o", "KbdInteractiveAuthentication=no",
		"-o", "PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey",
		"-o", "PasswordAuthentication=no", "-o", "ConnectTimeout=10",
		"-o", `ControlPath="` + controlPath + `"`}
	t.Cleanup(func() { gssh(t, nil, append(args, "-O", "exit", "sshd")...) })
	for i, stdin := range []string{"", "print-me"} {
		start := time.Now()
		r := gssh(t, strings.NewReader(stdin), append(args, "sshd", `/bin/sh -c 'echo ansible-ok && cat && sleep 0'`)...)
		if r.code != 0 || r.stdout != "ansible-ok\n"+stdin {
			t.Fatalf("run %d: %+v", i, r)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Fatalf("run %d took %v: the master held the caller's pipes", i, d)
		}
	}
	r := gssh(t, nil, append(args, "-O", "check", "sshd")...)
	var pid int
	if _, err := fmt.Sscanf(r.stderr, "Master running (pid=%d)", &pid); r.code != 0 || err != nil {
		t.Fatalf("-O check: %+v", r)
	}
	if r := gssh(t, nil, append(args, "-O", "exit", "sshd")...); r.code != 0 || r.stderr != "Exit request sent.\r\n" {
		t.Fatalf("-O exit: %+v", r)
	}
	if !eventually(10*time.Second, func() bool { return !alive(t, pid) }) {
		t.Fatalf("master %d still running after -O exit", pid)
	}
	if entries, _ := os.ReadDir(cpdir); len(entries) != 0 {
		t.Fatalf("control socket left behind: %v", entries)
	}
}
