//go:build unix

package knownhosts

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/sshdtest"
)

// openSSHProposal runs /usr/bin/ssh -vvv with options against s and
// returns the host key algorithms of its first KEXINIT proposal.
func openSSHProposal(t *testing.T, s *sshdtest.Server, options []string) []string {
	t.Helper()
	args := []string{"-vvv", "-F", "none", "-p", strconv.Itoa(s.Port), "-o", "BatchMode=yes", "-o", "IdentityAgent=none"}
	for _, o := range options {
		args = append(args, "-o", o)
	}
	cmd := exec.Command("/usr/bin/ssh", append(args, s.Host, "true")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	sc := bufio.NewScanner(&stderr)
	inProposal := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "debug2: local client KEXINIT proposal") {
			inProposal = true
		}
		if after, ok := strings.CutPrefix(line, "debug2: host key algorithms: "); ok && inProposal {
			return strings.Split(after, ",")
		}
	}
	t.Fatalf("no KEXINIT proposal in ssh -vvv output:\n%s", stderr.String())
	return nil
}

func keyLine(t *testing.T, name, pubFile string) string {
	t.Helper()
	b, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	return name + " " + f[0] + " " + f[1]
}

// TestHostKeyAlgorithmsLikeOpenSSH compares the list gssh offers in
// KEXINIT with the one /usr/bin/ssh offers (its -vvv proposal), for the
// same known_hosts, KnownHostsCommand and HostKeyAlgorithms: OpenSSH
// 9.2's default list ordered by the keys already known, never ssh-rsa
// unless configured (x/crypto's own default offers it).
func TestHostKeyAlgorithmsLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	for _, typ := range []string{"rsa", "ecdsa", "ed25519"} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", typ, "-N", "", "-f", filepath.Join(dir, typ)).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	script := filepath.Join(dir, "khc")
	rsaForHost := keyLine(t, s.Host, filepath.Join(dir, "rsa.pub"))
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho '"+rsaForHost+"'\necho '"+keyLine(t, name, filepath.Join(dir, "ecdsa.pub"))+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		known   []string
		options []string
	}{
		{"nothing known", nil, nil},
		{"rsa known", []string{keyLine(t, name, filepath.Join(dir, "rsa.pub"))}, nil},
		{"ecdsa known", []string{keyLine(t, name, filepath.Join(dir, "ecdsa.pub"))}, nil},
		{"ed25519 known: verbatim", []string{keyLine(t, name, filepath.Join(dir, "ed25519.pub")), keyLine(t, name, filepath.Join(dir, "rsa.pub"))}, nil},
		{"cert-authority", []string{"@cert-authority * " + strings.SplitN(keyLine(t, "x", filepath.Join(dir, "rsa.pub")), " ", 2)[1]}, nil},
		{"revoked does not count", []string{"@revoked " + keyLine(t, name, filepath.Join(dir, "rsa.pub"))}, nil},
		{"other host", []string{keyLine(t, "elsewhere", filepath.Join(dir, "rsa.pub"))}, nil},
		{"+ssh-rsa, rsa known", []string{keyLine(t, name, filepath.Join(dir, "rsa.pub"))}, []string{"HostKeyAlgorithms=+ssh-rsa"}},
		{"-ed25519", nil, []string{"HostKeyAlgorithms=-ssh-ed25519*"}},
		{"written out: verbatim", []string{keyLine(t, name, filepath.Join(dir, "rsa.pub"))}, []string{"HostKeyAlgorithms=ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256"}},
		// ORDER matches the command's lines against HostName alone: the
		// RSA line for the bare address counts, the ECDSA one for
		// [host]:port does not.
		{"KnownHostsCommand ORDER", nil, []string{"KnownHostsCommand=" + script}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kh := filepath.Join(t.TempDir(), "known_hosts")
			if err := os.WriteFile(kh, []byte(strings.Join(c.known, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			options := append([]string{"UserKnownHostsFile=" + kh, "GlobalKnownHostsFile=/dev/null"}, c.options...)
			want := openSSHProposal(t, s, options)
			lines := []string{"Port " + strconv.Itoa(s.Port)}
			for _, o := range options {
				k, v, _ := strings.Cut(o, "=")
				lines = append(lines, k+" "+v)
			}
			cfg, err := config.Resolve(config.Request{Host: s.Host, ConfigFile: "none", Options: lines})
			if err != nil {
				t.Fatal(err)
			}
			v := New(Options{Config: cfg, HomeDir: t.TempDir()})
			got, err := v.HostKeyAlgorithms()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("host key algorithms\n gssh %s\n  ssh %s", strings.Join(got, ","), strings.Join(want, ","))
			}
			if slices.Contains(got, "ssh-rsa") != strings.Contains(strings.Join(c.options, " "), "ssh-rsa") {
				t.Errorf("ssh-rsa offered: %s", strings.Join(got, ","))
			}
		})
	}
}
