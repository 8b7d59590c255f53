package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/testenv"
)

// TestDumpConfigMatchesOpenSSH is the differential test of the flag
// translation: for each command line, `ssh -G -F none ARGS` and gssh's
// parseArgs + config.Resolve + WriteG must print the same -G output, line
// for line (gssh's documented ServerAliveInterval default aside, where no
// option set the key), the same warnings on stderr, and reject the same
// command lines with the same messages (report/reportArgsError, the code
// main prints with, "ssh" read as "gssh").
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
		// Warnings, and the keepalive default against a set key.
		words("-o RSAAuthentication=no -o CompressionLevel=9 h"),
		words("-o BatchMode=yes h"),
		words("-o BatchMode=yes -o ServerAliveInterval=15 h"),
		words("-o ServerAliveInterval=0 h"),
		words("-o SetupTimeOut=15 -o BatchMode=yes h"),
		words("-o ForwardAgent=/nonexistent/gssh-agent h"),
		words("-o ForwardAgent=/nonexistent/gssh-agent -o ExitOnForwardFailure=yes h"),
		words("-q -o RSAAuthentication=no -o ForwardAgent=/nonexistent/gssh-agent h"),
		words("-q -o ForwardAgent=/nonexistent/gssh-agent -o ExitOnForwardFailure=yes h"),
		words("-o LogLevel=fatal -o ForwardAgent=/nonexistent/gssh-agent h"),
		words("-v -o RSAAuthentication=no h"),
		words("-o HostName=%z h"),
		words("-o ControlPath=/tmp/%z h"),
		words("-o IdentityFile=/tmp/%z h"),
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

	dump := func(args []string) (stdout, stderr string, code int) {
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
		return out.String(), stderrLines(errb.String()), code
	}
	// ours returns gssh's -G output, what main prints on stderr before it
	// (the command line's warnings, then the configuration's), or the
	// messages of a refused command line.
	ours := func(args []string) (stdout, stderr string, cfg *config.Config, failed bool) {
		t.Helper()
		var errb bytes.Buffer
		inv, err := parseArgs(append([]string{"-G", "-F", "none"}, args...))
		if err != nil {
			reportArgsError(&errb, err)
			return "", stderrLines(errb.String()), nil, true
		}
		if inv.Request.ConfigFile != "none" {
			t.Fatalf("ConfigFile %q, want none", inv.Request.ConfigFile)
		}
		cfg, err = config.Resolve(inv.Request)
		if err != nil {
			report(&errb, "gssh", err)
			return "", stderrLines(errb.String()), nil, true
		}
		var b bytes.Buffer
		if err := cfg.WriteG(&b); err != nil {
			t.Fatal(err)
		}
		return b.String(), strings.Join(append(append([]string(nil), inv.Warnings...), cfg.Warnings...), "\n"), cfg, false
	}

	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			theirs, theirErr, code := dump(args)
			mine, myErr, cfg, failed := ours(args)
			theirErr = withoutVerbose(strings.ReplaceAll(theirErr, "ssh: ", "gssh: "))
			if code != 0 {
				if !failed {
					t.Fatalf("ssh exits %d (%s), gssh accepts it", code, theirErr)
				}
				theirErr, myErr = withoutUsage(t, theirErr, myErr)
				if myErr != theirErr {
					t.Errorf("stderr:\n gssh: %q\n ssh:  %q", myErr, theirErr)
				}
				return
			}
			if failed {
				t.Fatalf("ssh accepts it, gssh: %s", myErr)
			}
			if !cfg.ServerAliveIntervalSet {
				mine = withKeepaliveDefault(theirs, mine)
			}
			if mine != theirs {
				t.Errorf("-G output differs:\n%s", lineDiff(theirs, mine))
			}
			if myErr != theirErr {
				t.Errorf("stderr:\n gssh: %q\n ssh:  %q", myErr, theirErr)
			}
		})
	}
}

// withKeepaliveDefault reads gssh's one documented -G deviation as ssh's
// value (docs/config-keywords.md, "Deliberate deviations"): with no
// ServerAliveInterval set, gssh prints 15 where ssh prints 0, or 300 in
// Debian's batch mode. Callers apply it only when the key was not set.
func withKeepaliveDefault(theirs, mine string) string {
	var want string
	switch {
	case strings.Contains(theirs, "\nserveraliveinterval 0\n"):
		want = "\nserveraliveinterval 0\n"
	case strings.Contains(theirs, "\nserveraliveinterval 300\n") && strings.Contains(theirs, "\nbatchmode yes\n"):
		want = "\nserveraliveinterval 300\n"
	default:
		return mine
	}
	return strings.Replace(mine, "\nserveraliveinterval 15\n", want, 1)
}

// withoutVerbose drops what ssh prints at -v and above while it reads
// its configuration (its version banner, debug lines): gssh's -v output
// is its own, a documented deviation (docs/compatibility.md).
func withoutVerbose(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "OpenSSH_") && !strings.HasPrefix(l, "debug1: ") &&
			!strings.HasPrefix(l, "debug2: ") && !strings.HasPrefix(l, "debug3: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// withoutUsage cuts the usage text from both messages after checking
// that ssh printed its usage and gssh its own (ssh's with "gssh" and the
// long options, TestUsageMatchesOpenSSH): the one documented difference
// in a refused command line's message.
func withoutUsage(t *testing.T, theirs, mine string) (string, string) {
	t.Helper()
	i := strings.Index(theirs, "usage: ssh ")
	if i < 0 {
		return theirs, mine
	}
	j := strings.Index(mine, "usage: gssh ")
	if j < 0 || strings.TrimRight(strings.ReplaceAll(mine[j:], "\r", ""), "\n") != strings.TrimRight(usageText(), "\n") {
		t.Errorf("ssh prints its usage, gssh does not print its own:\n%q", mine)
		return theirs, mine
	}
	return theirs[:i], mine[:j]
}

// stderrLines is a program's stderr without \r, blank lines and ssh's
// notice that stdin is not a terminal.
func stderrLines(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if l != "" && !strings.HasPrefix(l, "Pseudo-terminal will not be allocated") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// lineDiff lists the lines only one side has.
func lineDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(want, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(got, "\n") {
		count[l]--
	}
	var b strings.Builder
	for l, n := range count {
		switch {
		case n > 0:
			b.WriteString("  ssh only:  " + l + "\n")
		case n < 0:
			b.WriteString("  gssh only: " + l + "\n")
		}
	}
	return b.String()
}
