package main

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gssh/gssh/client/config"
)

// FuzzParseArgs feeds arbitrary command lines to parseArgs: a list of
// arguments before the destination, the destination and the command
// (arguments separated by NUL). Properties:
//   - no panic; failures only with the error types main knows (its own
//     two, and a bad -o line or a refused name from config);
//   - a success has a usable result;
//   - the options given after the destination parse as they do before it
//     (ssh.c restarts getopt after the host);
//   - a parsed invocation resolves (with no configuration file) and
//     prints -G, or fails with one of config's typed errors, which
//     report turns into ssh's messages.
func FuzzParseArgs(f *testing.F) {
	seeds := [][3]string{
		{"", "host", ""}, {"-gfN\x00-T", "host", ""}, {"-p1022", "host", ""}, {"-Ostop", "host", ""},
		{"-p\x002345", "host", "cmd\x00-x"}, {"", "ssh://u@h:2222", ""}, {"", "ssh://[::1]:22", ""},
		{"-oForwardX11 no", "h", ""}, {"-o\x00Port=22\x00-p\x0033", "h", ""}, {"-tt", "h", ""}, {"-vvv", "h", ""},
		{"-L\x00[::1]:80:[fe80::1]:90", "h", ""}, {"-R\x00a\\:b:1", "h", ""}, {"-D\x00[x", "h", ""},
		{"-J\x00u@j:1,ssh://k", "h", ""}, {"-w\x00any:3", "h", ""}, {"-Q\x00cipher", "", ""},
		{"--timeout\x00-3", "h", ""}, {"--timeout=1.5", "h", ""}, {"-i\x00~/x", "h", ""},
		{"-l\x00--", "h", ""}, {"-e\x00^A", "h", ""}, {"-W\x00[::1]:22", "h", ""}, {"-G\x00-l\x00a", "u@h", "cmd"},
		{"-o\x00ProxyJump=a,b@c:1", "h", ""}, {"-o\x00HostName=%z", "h", ""}, {"-o\x00ControlPath=/tmp/%z", "h", ""},
		{"-o\x00RSAAuthentication=no", "h", ""}, {"-o\x00CanonicalizePermittedCNAMEs=*:*", "h", ""},
		{"-s", "h", "sftp"}, {"-N\x00-f", "h", ""}, {"-M\x00-S\x00/tmp/s", "h", ""}, {"--idle-timeout=2s", "h", "true"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, opts, host, command string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "\x00")
		}
		optList, cmdList := split(opts), split(command)
		args := append(append(append([]string(nil), optList...), host), cmdList...)
		inv, err := parseArgs(args)
		if err != nil {
			var ue *usageError
			var fe *fatalError
			if !errors.As(err, &ue) && !errors.As(err, &fe) && !isConfigError(err) {
				t.Fatalf("parseArgs(%q): error %T %v", args, err, err)
			}
			return
		}
		if inv.Timeout < 0 || inv.KillAfter < 0 || inv.IdleTimeout < 0 || inv.Verbosity < 0 {
			t.Fatalf("parseArgs(%q): negative value in %+v", args, inv)
		}
		for _, o := range inv.Request.Options {
			if strings.TrimSpace(o) == "" && !slicesContain(args, o) {
				t.Fatalf("parseArgs(%q): empty option line made up", args)
			}
		}
		checkOptionsAfterDestination(t, optList, host, cmdList, inv)
		checkResolves(t, args, inv)
	})
}

// checkOptionsAfterDestination parses host, the options and the command
// in that order and wants the invocation parsed from options, host and
// command. It applies only where the two orders mean the same to ssh: the
// options ended before the host (which became the destination), none is
// "--", the command does not start with an option, and the destination
// carries no user or port (ssh lets the first of "u@h" and -l, and of
// ssh://h:5 and -p, win).
func checkOptionsAfterDestination(t *testing.T, opts []string, host string, cmd []string, inv *invocation) {
	t.Helper()
	if len(opts) == 0 || host == "" || strings.HasPrefix(host, "-") || strings.Contains(host, "@") ||
		strings.HasPrefix(host, "ssh://") || len(inv.Command) != len(cmd) ||
		(len(cmd) > 0 && strings.HasPrefix(cmd[0], "-")) {
		return
	}
	for _, o := range opts {
		if o == "--" {
			return
		}
	}
	alone, err := parseArgs([]string{host})
	if err != nil || alone.Request.Host != inv.Request.Host {
		return // the host was an option's argument, or is refused
	}
	after := append(append([]string{host}, opts...), cmd...)
	got, err := parseArgs(after)
	if err != nil {
		t.Fatalf("parseArgs(%q) failed (%v); with the options first it parsed", after, err)
	}
	if !reflect.DeepEqual(got, inv) {
		t.Fatalf("options after the destination parse differently:\n %q: %+v\n %q: %+v",
			after, got, append(append(append([]string(nil), opts...), host), cmd...), inv)
	}
}

// checkResolves resolves a parsed invocation with no configuration file
// (the fuzzer must not read files or run Match exec) and prints it like
// -G: success, or a typed error from config that report prints.
func checkResolves(t *testing.T, args []string, inv *invocation) {
	t.Helper()
	for _, a := range args {
		if l := strings.ToLower(a); strings.Contains(l, "exec") || strings.Contains(l, "include") {
			return
		}
	}
	req := inv.Request
	req.ConfigFile = "none"
	req.HomeDir, req.LocalUser, req.SystemConfig = "/nonexistent/home", "u", "/nonexistent/ssh_config"
	req.Env = map[string]string{}
	req.LookupHost = func(string) ([]string, error) { return nil, os.ErrNotExist }
	cfg, err := config.Resolve(req)
	if err != nil {
		var pe *config.ParseError
		var fe *config.FatalError
		var oe *config.OpenError
		var ne *config.NameError
		if !errors.As(err, &pe) && !errors.As(err, &fe) && !errors.As(err, &oe) && !errors.As(err, &ne) {
			t.Fatalf("Resolve for %q: untyped error %T %v", args, err, err)
		}
		var b bytes.Buffer
		if report(&b, "gssh", err) != exitFailure || b.Len() == 0 {
			t.Fatalf("Resolve for %q: %v reported as %q", args, err, b.String())
		}
		return
	}
	var b bytes.Buffer
	if err := cfg.WriteG(&b); err != nil {
		t.Fatalf("WriteG for %q: %v", args, err)
	}
	if !strings.HasPrefix(b.String(), "host ") {
		t.Fatalf("-G for %q does not start with the host: %q", args, b.String()[:min(80, b.Len())])
	}
}

// slicesContain reports whether one of args, or one of its tails after
// an option letter, is s: -o lines are passed on as typed.
func slicesContain(args []string, s string) bool {
	for _, a := range args {
		if strings.HasSuffix(a, s) {
			return true
		}
	}
	return false
}
