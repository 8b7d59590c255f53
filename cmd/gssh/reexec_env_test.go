//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/reexec"
	"github.com/gssh/gssh/internal/sshdtest"
)

// matchDumpConfig is s's client configuration behind a Match exec whose
// command writes its environment and its descriptors (ls -l
// /proc/self/fd) to a new file in dir, once per configuration read.
func matchDumpConfig(t *testing.T, s *sshdtest.Server, dir string) string {
	t.Helper()
	script := filepath.Join(dir, "dump.sh")
	body := fmt.Sprintf("#!/bin/sh\nf=$(mktemp %s/dump.XXXXXX)\nenv > \"$f.env\"\nls -l /proc/self/fd > \"$f.fd\"\nmv \"$f.env\" \"$f.env.done\"\n", dir)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssh_config")
	text := fmt.Sprintf("Match exec %q\n\tSetEnv DUMPED=yes\n\n%s", script, s.ClientConfigText())
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// dumps returns the environments and descriptor listings the Match exec
// commands wrote, one per configuration read.
func dumps(t *testing.T, dir string) (envs, fds []string) {
	t.Helper()
	done, _ := filepath.Glob(filepath.Join(dir, "dump.*.env.done"))
	sort.Strings(done)
	for _, f := range done {
		env, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fd, err := os.ReadFile(strings.TrimSuffix(f, ".env.done") + ".fd")
		if err != nil {
			t.Fatal(err)
		}
		envs, fds = append(envs, string(env)), append(fds, string(fd))
	}
	return envs, fds
}

// sortedEnv is an env dump as a sorted list, without the variables the
// shell itself sets per process.
func sortedEnv(dump string) []string {
	var vars []string
	for _, l := range strings.Split(strings.TrimSpace(dump), "\n") {
		if strings.HasPrefix(l, "PWD=") || strings.HasPrefix(l, "OLDPWD=") || strings.HasPrefix(l, "_=") {
			continue
		}
		vars = append(vars, l)
	}
	sort.Strings(vars)
	return vars
}

// extraDescriptors returns the entries of an ls -l /proc/self/fd listing
// beyond stdin, stdout, stderr and ls's own handle on the directory.
func extraDescriptors(listing string) []string {
	var extra []string
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		fields := strings.Fields(l)
		if len(fields) < 3 || fields[len(fields)-2] != "->" {
			continue // "total 0"
		}
		n, target := fields[len(fields)-3], fields[len(fields)-1]
		if n == "0" || n == "1" || n == "2" || strings.HasSuffix(target, "/fd") && strings.HasPrefix(target, "/proc/") {
			continue
		}
		extra = append(extra, l)
	}
	return extra
}

// assertCleanReexec checks the dumps of want configuration reads: the
// first is the caller's, the others the re-executed gssh's. Each must
// see the caller's environment, no gssh-internal variable, and no
// descriptor but 0, 1 and 2.
func assertCleanReexec(t *testing.T, dir string, want int) {
	t.Helper()
	var envs, fds []string
	if !eventually(20*time.Second, func() bool {
		envs, fds = dumps(t, dir)
		return len(envs) >= want
	}) {
		t.Fatalf("%d Match exec runs, want %d", len(envs), want)
	}
	first := sortedEnv(envs[0])
	for i := range envs {
		got := sortedEnv(envs[i])
		for _, v := range got {
			if strings.HasPrefix(v, string(reexec.Fork)+"=") || strings.HasPrefix(v, string(reexec.Master)+"=") {
				t.Errorf("run %d: Match exec saw gssh's internal %s", i, v)
			}
		}
		if strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Errorf("run %d: environment differs from the caller's:\n%s\nvs\n%s", i, strings.Join(got, "\n"), strings.Join(first, "\n"))
		}
		if extra := extraDescriptors(fds[i]); len(extra) > 0 {
			t.Errorf("run %d: Match exec inherited descriptors:\n%s", i, strings.Join(extra, "\n"))
		}
	}
}

// TestForkChildResolvesCleanly: -f's background child reads the
// configuration, and so runs Match exec, with the caller's environment
// and without the report pipe or the terminal it inherited.
func TestForkChildResolvesCleanly(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := muxDir(t)
	cfg := matchDumpConfig(t, s, dir)
	p := startPtyCommand(t, 24, 80, nil, gsshBin, "-F", cfg, "-f", "sshd", "true")
	if code := p.wait(20 * time.Second); code != 0 {
		t.Fatalf("gssh -f exited %d; terminal shows:\n%q", code, p.screen())
	}
	assertCleanReexec(t, dir, 2)
}

// TestPersistMasterResolvesCleanly: the background master that
// ControlPersist starts runs Match exec as cleanly as the caller.
func TestPersistMasterResolvesCleanly(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := muxDir(t)
	cfg := matchDumpConfig(t, s, dir)
	ctl := []string{"-F", cfg, "-o", "ControlMaster=auto", "-o", "ControlPath=" + filepath.Join(dir, "ctl"), "-o", "ControlPersist=yes"}
	r := gssh(t, nil, append(ctl, "sshd", "true")...)
	t.Cleanup(func() { gssh(t, nil, append(ctl, "-O", "exit", "sshd")...) })
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	assertCleanReexec(t, dir, 2)
}

// TestInheritedDescriptorsClosed: descriptors above stderr that the
// caller left open are closed at start-up, as ssh's closefrom does, so a
// Match exec command sees only 0, 1 and 2, with gssh as with ssh.
func TestInheritedDescriptorsClosed(t *testing.T) {
	dir := t.TempDir()
	leak, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	for _, prog := range []string{gsshBin, "/usr/bin/ssh"} {
		out := filepath.Join(dir, filepath.Base(prog))
		cfg := filepath.Join(dir, "config")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf("Match exec \"ls -l /proc/self/fd > %s\"\n", out)), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(prog, "-F", cfg, "-G", "host")
		cmd.ExtraFiles = []*os.File{leak, leak} // descriptors 3 and 4
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s -G: %v\n%s", prog, err, b)
		}
		listing, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if extra := extraDescriptors(string(listing)); len(extra) > 0 {
			t.Errorf("%s: Match exec inherited descriptors:\n%s", prog, strings.Join(extra, "\n"))
		}
	}
}
