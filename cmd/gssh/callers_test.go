//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
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

// ansibleResult is what ansible's json callback reports for the one host
// of an ad-hoc run.
type ansibleResult struct {
	Failed   bool   `json:"failed"`
	Changed  bool   `json:"changed"`
	Ping     string `json:"ping"`
	RC       int    `json:"rc"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Msg      string `json:"msg"`
	Checksum string `json:"checksum"`
}

// ansibleRunLimit bounds one ad-hoc run: ansible itself (Python start-up,
// module transfer and execution: 1-4 s here, up to 12 s when gssh is
// built with -race, whose start-up ansible pays on each of its several
// ssh calls), with margin for a loaded machine. A ControlPersist master
// that held ansible's pipes would make it wait out ControlPersist, 60 s,
// so the margin cannot hide that.
const ansibleRunLimit = 30 * time.Second

// TestAnsibleAdHoc runs ansible itself with gssh as its ssh
// (ANSIBLE_SSH_EXECUTABLE, and sftp's -S for file transfers) and
// ansible's own ssh arguments, ControlPersist among them: -m ping,
// -m copy (the file's bytes checked on the target) and -m shell (output
// and exit status). All of it goes over one login, through a
// ControlPersist master that is a gssh process; -O exit ends it.
func TestAnsibleAdHoc(t *testing.T) {
	ansible := testenv.LookPath(t, "ansible")
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	cpdir := muxDir(t)
	inventory := filepath.Join(dir, "inventory")
	writeFile(t, inventory, "sshd\n")
	writeFile(t, filepath.Join(dir, "ansible.cfg"), "")
	env := append(os.Environ(),
		"ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"),
		"ANSIBLE_HOME="+filepath.Join(dir, "home"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(dir, "local-tmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(dir, "remote-tmp"),
		"ANSIBLE_SSH_EXECUTABLE="+gsshBin,
		"ANSIBLE_SSH_COMMON_ARGS=-F "+s.ClientConfig,
		"ANSIBLE_SFTP_EXTRA_ARGS=-S "+gsshBin,
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+cpdir,
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
		"ANSIBLE_STDOUT_CALLBACK=json",
		"ANSIBLE_LOAD_CALLBACK_PLUGINS=1",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORKS=1")
	run := func(wantExit int, args ...string) ansibleResult {
		t.Helper()
		cmd := exec.Command(ansible, append([]string{"sshd", "-i", inventory}, args...)...)
		cmd.Env = env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		t.Logf("ansible %q: %v after %v", args, err, took.Round(time.Millisecond))
		var exitErr *exec.ExitError
		if code := 0; err == nil || errors.As(err, &exitErr) {
			if err != nil {
				code = exitErr.ExitCode()
			}
			if code != wantExit {
				t.Fatalf("ansible %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantExit, stdout.String(), stderr.String())
			}
		} else {
			t.Fatalf("ansible %q: %v", args, err)
		}
		if took > ansibleRunLimit {
			t.Errorf("ansible %q took %v, want at most %v: the master held its pipes", args, took, ansibleRunLimit)
		}
		var out struct {
			Plays []struct {
				Tasks []struct {
					Hosts map[string]ansibleResult `json:"hosts"`
				} `json:"tasks"`
			} `json:"plays"`
		}
		if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil || len(out.Plays) != 1 || len(out.Plays[0].Tasks) != 1 {
			t.Fatalf("ansible %q: output is not one play with one task (%v):\n%s", args, err, stdout.String())
		}
		r, ok := out.Plays[0].Tasks[0].Hosts["sshd"]
		if !ok {
			t.Fatalf("ansible %q: no result for host sshd:\n%s", args, stdout.String())
		}
		return r
	}

	if r := run(0, "-m", "ping"); r.Failed || r.Ping != "pong" {
		t.Fatalf("-m ping: %+v", r)
	}

	payload := make([]byte, 100<<10)
	rand.Read(payload)
	src, dest := filepath.Join(dir, "payload"), filepath.Join(dir, "copied")
	writeFile(t, src, string(payload))
	if r := run(0, "-m", "copy", "-a", fmt.Sprintf("src=%s dest=%s mode=0640", src, dest)); r.Failed || !r.Changed {
		t.Fatalf("-m copy: %+v", r)
	}
	if got, err := os.ReadFile(dest); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("-m copy: the target's file differs from the %d bytes sent (%d bytes, %v)", len(payload), len(got), err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("-m copy: target file mode %v, %v; want 0640", fi.Mode(), err)
	}

	r := run(2, "-m", "shell", "-a", "printf 'to stdout\\n'; printf 'to stderr\\n' >&2; exit 3")
	if !r.Failed || r.RC != 3 || r.Stdout != "to stdout" || r.Stderr != "to stderr" {
		t.Fatalf("-m shell: %+v, want rc 3, stdout %q, stderr %q", r, "to stdout", "to stderr")
	}

	if n := logins(t, s); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1: every ansible step through the ControlPersist master", n)
	}
	if !strings.Contains(readLog(t, s), "Starting session: subsystem 'sftp'") {
		t.Errorf("sshd started no sftp subsystem: -m copy did not transfer through gssh\n%s", readLog(t, s))
	}
	entries, err := os.ReadDir(cpdir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("control sockets in %s: %v, %v; want one", cpdir, entries, err)
	}
	sock := filepath.Join(cpdir, entries[0].Name())
	pid := checkMaster(t, gsshBin, s.ClientConfig, sock)
	stopMaster(t, gsshBin, s.ClientConfig, sock, pid)
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || exe != gsshBin {
		t.Fatalf("the ControlPersist master %d runs %q (%v), want %s", pid, exe, err, gsshBin)
	}
	if r := gssh(t, nil, "-F", s.ClientConfig, "-S", sock, "-O", "exit", "sshd"); r.code != 0 || r.stderr != "Exit request sent.\r\n" {
		t.Fatalf("-O exit: %+v", r)
	}
	if !eventually(5*time.Second, func() bool { return !alive(t, pid) }) {
		t.Fatalf("master %d still running after -O exit", pid)
	}
	if entries, _ := os.ReadDir(cpdir); len(entries) != 0 {
		t.Fatalf("control socket left behind: %v", entries)
	}
}
