package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/testenv"
)

// TestDumpConfigMatchesOpenSSH is the differential test of the flag
// translation: for each command line, `ssh -G -F none ARGS` and gssh's
// parseArgs + config.Resolve + WriteG must print the same lines for every
// keyword that the command line changed (in either program's output,
// compared with a bare "h"), and reject the same command lines.
func TestDumpConfigMatchesOpenSSH(t *testing.T) {
	key := filepath.Join(t.TempDir(), "id_test")
	if err := os.WriteFile(key, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		words("h"),
		words("u@h"),
		words("a@b@h"),
		words("-l x u@h"),
		words("u@h -l x"),
		words("-p 2 -p 3 h"),
		words("-o Port=1 -p 2 h"),
		words("-p 2 -o Port=1 h"),
		words("ssh://u@h:5"),
		words("-p 7 ssh://u@h:5"),
		words("ssh://h:5 -p 7"),
		words("-o Port=9 ssh://h:5"),
		words("-gfN -T h"),
		words("-p1022 h"),
		words("h -p 2345 cmd -x"),
		words("-- h -p 7"),
		words("-tt h"),
		words("-t -o RequestTTY=no h"),
		words("-o RequestTTY=yes -t h"),
		words("-o RequestTTY=force -t h"),
		words("-vvv h"),
		words("-v -q -v h"),
		words("-q h"),
		words("-o LogLevel=error -v h"),
		words("-M h"),
		words("-MM h"),
		words("-o ControlMaster=yes -M h"),
		words("-M -o ControlMaster=auto h"),
		words("-4 -A -C -g -K -n -X h"),
		words("-6 -a -x -k h"),
		words("-Y h"),
		words("-b 10.0.0.1 -B lo -c aes128-ctr -m hmac-sha2-256 -e ^A -S /tmp/c h"),
		words("-e none h"),
		words("-o ForwardAgent=no -A h"),
		words("-N h"),
		words("-s h sftp"),
		words("-W db:5432 h"),
		words("-W db:5432 -o ExitOnForwardFailure=no h"),
		words("-o ClearAllForwardings=no -W db:5432 h"),
		words("-w 1:2 h"),
		words("-o Tunnel=ethernet -w 1 h"),
		words("-J u@j:2200,k h"),
		words("-J j -o ProxyCommand=x h"),
		words("-L 8080:localhost:80 -L [::1]:80:[fe80::1]:90 -R 9000 -R b:9001 -R 7:h:8 -D 1080 -D a:1081 h"),
		{"-i", key, "-o", "IdentityFile=/x", "-i", key, "h"},
		words("-x -oPermitLocalCommand=no -oClearAllForwardings=yes -oRemoteCommand=none -oRequestTTY=no -oForwardAgent=no -l alice -s -- example.org sftp"),
		{"-oForwardX11 no", "-oPermitLocalCommand no", "-oClearAllForwardings yes", "-oForwardAgent no", "-l", "alice", "-s", "--", "example.org", "sftp"},
		words("-o SendEnv=GIT_PROTOCOL -p 2222 git@example.org"),
		words("-C -o ControlMaster=auto -o ControlPersist=60s -o KbdInteractiveAuthentication=no -o PasswordAuthentication=no -o ConnectTimeout=10 -o ControlPath=/tmp/cp/%C web1"),
		// Rejected by both.
		words("-p 0 h"),
		words("-z h"),
		words("-s h"),
		words("-J a -J b h"),
		words("-e xx h"),
		words("-L bad h"),
		words("-1 h"),
		words("@h"),
	}

	dump := func(args []string) (lines []string, stderr string, code int) {
		t.Helper()
		if _, err := os.Stat(sshPath); err != nil {
			testenv.SkipOrFail(t, "%s not installed: %v", sshPath, err)
		}
		var out, errb bytes.Buffer
		cmd := exec.Command(sshPath, append([]string{"-G", "-F", "none"}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			t.Fatalf("running ssh: %v", err)
		}
		if exitErr != nil {
			code = exitErr.ExitCode()
		}
		return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"), errb.String(), code
	}
	ours := func(args []string) ([]string, error) {
		t.Helper()
		inv, err := parseArgs(append([]string{"-G", "-F", "none"}, args...))
		if err != nil {
			return nil, err
		}
		if inv.Request.ConfigFile != "none" {
			t.Fatalf("ConfigFile %q, want none", inv.Request.ConfigFile)
		}
		cfg, err := config.Resolve(inv.Request)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := cfg.WriteG(&b); err != nil {
			return nil, err
		}
		return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n"), nil
	}

	theirBase, _, _ := dump(words("h"))
	ourBase, err := ours(words("h"))
	if err != nil {
		t.Fatalf("gssh -G h: %v", err)
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			theirs, stderr, code := dump(args)
			mine, err := ours(args)
			if code != 0 {
				if err == nil {
					t.Fatalf("ssh exits %d (%s), gssh accepts it", code, firstLine(stderr))
				}
				var b bytes.Buffer
				reportArgsError(&b, err)
				want := strings.Replace(firstLine(stderr), "usage: ssh ", "usage: gssh ", 1)
				if got := firstLine(b.String()); got != want {
					t.Errorf("message %q, ssh says %q", got, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ssh accepts it, gssh: %v", err)
			}
			keys := changedKeywords(theirBase, theirs)
			for _, k := range changedKeywords(ourBase, mine) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				if w, g := withKeyword(theirs, k), withKeyword(mine, k); !slices.Equal(w, g) {
					t.Errorf("%s:\n  ssh:  %q\n  gssh: %q", k, w, g)
				}
			}
		})
	}
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}

// changedKeywords lists the keywords whose lines differ between base and
// got.
func changedKeywords(base, got []string) []string {
	var keys []string
	for _, set := range [][]string{base, got} {
		for _, l := range set {
			k, _, _ := strings.Cut(l, " ")
			if !slices.Contains(keys, k) && !slices.Equal(withKeyword(base, k), withKeyword(got, k)) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// withKeyword returns the lines of a -G dump for one keyword, in order.
func withKeyword(lines []string, keyword string) []string {
	var out []string
	for _, l := range lines {
		if k, _, _ := strings.Cut(l, " "); k == keyword {
			out = append(out, l)
		}
	}
	return out
}
