package config

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var badLines = []string{
	"Port abc", "Port 0", "Foo bar", "ServerAliveInterval x", "ConnectionAttempts x",
	"ConnectionAttempts -1", "Match foo bar", "Match host", "Match all host x",
	"User a b", "Include", "Host", "Ciphers nope", "MACs nope", "KexAlgorithms nope",
	"HostKeyAlgorithms nope", "LocalForward 1", "LocalForward x y", "EscapeChar xx",
	"SendEnv A=B", "SetEnv A", `User "unterminated`, "Compression maybe",
	"StrictHostKeyChecking sometimes", "LogLevel loud", "SyslogFacility nowhere",
	"IPQoS bogus", "RekeyLimit 1", "ControlPersist soon", "TunnelDevice x:y",
	"FingerprintHash sha3", "ProxyJump a@b:c", "UserKnownHostsFile a none",
	"AddKeysToAgent sometimes",
}

// TestDifferentialErrors checks that a bad line gives OpenSSH's message
// for both a file (first message plus the "terminating" line) and -o:
// every line ssh prints, exactly.
func TestDifferentialErrors(t *testing.T) {
	ssh := sshPath(t)
	for _, line := range badLines {
		t.Run(line, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "cfg")
			if err := os.WriteFile(cfg, []byte("Port 22\n"+line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _ := exec.Command(ssh, "-G", "-F", cfg, "h").CombinedOutput()
			sshLines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(out), "\r", "")), "\n")
			_, err := Resolve(Request{Host: "h", ConfigFile: cfg})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Resolve error = %v, want *ParseError; ssh said %q", err, out)
			}
			got := []string{pe.Error(), pe.Terminating()}
			if pe.Detail != "" {
				got = append([]string{pe.Detail}, got...)
			}
			if strings.Join(got, "\n") != strings.Join(sshLines, "\n") {
				t.Errorf("file error:\n gssh: %q\n ssh:  %q", got, sshLines)
			}
			if line == "Host" || line == "Include" || strings.HasPrefix(line, "Match") {
				return
			}
			out, _ = exec.Command(ssh, "-G", "-o", line, "h").CombinedOutput()
			_, err = Resolve(Request{Host: "h", ConfigFile: "none", Options: []string{line}})
			if !errors.As(err, &pe) {
				t.Fatalf("Resolve -o error = %v", err)
			}
			if got, want := gsshStderr(err), sshStderrLines(string(out)); got != want {
				t.Errorf("-o error:\n gssh: %q\n ssh:  %q", got, want)
			}
		})
	}
}
