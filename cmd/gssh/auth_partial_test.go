//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// partialLine is what ssh 9.2 prints at -v (VERBOSE, no "debug1: ") when
// the server answers a step with partial success.
const partialLine = `Authenticated using "publickey" with partial success.`

// startTwoKeyRig is a certRig whose sshd asks for two public keys
// (AuthenticationMethods publickey,publickey) and authorizes "first" and
// "second"; "stranger" is not authorized.
func startTwoKeyRig(t *testing.T, opts sshdtest.Options) *certRig {
	t.Helper()
	opts.ExtraConfig = append(opts.ExtraConfig, "AuthenticationMethods publickey,publickey")
	r := startCertRig(t, opts)
	var authorized string
	for _, k := range []string{"first", "second"} {
		authorized += readFile(t, r.keygen(t, k)+".pub")
	}
	r.keygen(t, "stranger")
	writeFile(t, filepath.Join(r.Dir, "authorized_keys"), authorized)
	return r
}

// TestPartialSuccessTwoKeysLikeOpenSSH: sshd with AuthenticationMethods
// publickey,publickey takes two different keys, or a certificate and a
// different key. After the first step ssh tries its keys again from where
// its queue stood; a key the server accepted (also through its
// certificate) is never offered again. gssh logs in or fails as ssh does,
// with the same keys reaching sshd in the same order.
func TestPartialSuccessTwoKeysLikeOpenSSH(t *testing.T) {
	r := startTwoKeyRig(t, sshdtest.Options{})
	k := func(name string) string { return filepath.Join(r.dir, name) }
	certKey := r.keygen(t, "certkey")
	cert := r.sign(t, "certkey", "cert", "-n", r.user)
	r.sign(t, "certkey", "certkey", "-n", r.user) // certkey-cert.pub
	agentSock := r.agent(t, "agent", []string{"first"}, nil)
	certAgentSock := r.agent(t, "certagent", []string{"certkey"}, []string{cert})

	cases := []struct {
		name string
		ok   bool
		args []string
	}{
		{"two keys", true, []string{"-i", k("first"), "-i", k("second")}},
		{"two keys, the other order", true, []string{"-i", k("second"), "-i", k("first")}},
		{"a refused key first", true, []string{"-i", k("stranger"), "-i", k("first"), "-i", k("second")}},
		{"a refused key between", true, []string{"-i", k("first"), "-i", k("stranger"), "-i", k("second")}},
		{"a certificate and a different key", true, []string{"-i", certKey, "-o", "CertificateFile=" + cert, "-i", k("first")}},
		{"a key and then a certificate", true, []string{"-i", k("second"), "-i", certKey}},
		{"the certificate's own key is not a second key", false, []string{"-i", certKey, "-o", "CertificateFile=" + cert}},
		{"an agent key and a file key", true, []string{"-o", "IdentityAgent=" + agentSock, "-i", k("second")}},
		{"an agent certificate and a file key", true, []string{"-o", "IdentityAgent=" + certAgentSock, "-i", k("second")}},
		{"one key is not enough", false, []string{"-i", k("first")}},
		{"one key and a stranger", false, []string{"-i", k("first"), "-i", k("stranger")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loginLikeOpenSSH(t, r.Server, c.ok, nil, r.args(c.args...))
		})
	}
}

// TestPartialSuccessVerboseLine: at -v both clients print ssh's line for
// the partial success, once per step that had one.
func TestPartialSuccessVerboseLine(t *testing.T) {
	r := startTwoKeyRig(t, sshdtest.Options{})
	args := r.args("-v", "-i", filepath.Join(r.dir, "first"), "-i", filepath.Join(r.dir, "second"))
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	got := gssh(t, nil, args...)
	assertNoPanic(t, got)
	if want.code != 0 || got.code != 0 {
		t.Fatalf("exit: gssh %d, ssh %d\n gssh: %s\n ssh: %s", got.code, want.code, got.stderr, want.stderr)
	}
	line := partialLine + "\r\n"
	if n := strings.Count(want.stderr, line); n != 1 {
		t.Fatalf("ssh printed %q %d times:\n%s", line, n, want.stderr)
	}
	if n := strings.Count(got.stderr, line); n != 1 {
		t.Errorf("gssh printed %q %d times:\n%s", line, n, got.stderr)
	}
	// Not at the default level.
	quiet := gssh(t, nil, r.args("-i", filepath.Join(r.dir, "first"), "-i", filepath.Join(r.dir, "second"))...)
	if quiet.code != 0 || strings.Contains(quiet.stderr, partialLine) {
		t.Errorf("without -v: exit %d, stderr %q", quiet.code, quiet.stderr)
	}
}
