//go:build unix

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gssh/gssh/internal/sshdtest"
)

// certRig is an sshd that trusts user certificates signed by the CA in
// dir/ca (TrustedUserCAKeys), and the directory in which a test makes its
// keys and certificates. No key in dir is in authorized_keys: only a
// certificate logs in.
type certRig struct {
	*sshdtest.Server
	dir  string
	user string // the login, the principal of the good certificates
}

func startCertRig(t *testing.T, opts sshdtest.Options) *certRig {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	r := &certRig{dir: t.TempDir(), user: u.Username}
	r.keygen(t, "ca")
	opts.ExtraConfig = append(opts.ExtraConfig, "TrustedUserCAKeys "+filepath.Join(r.dir, "ca.pub"))
	r.Server = sshdtest.Start(t, opts)
	return r
}

// keygen makes an unencrypted ed25519 key dir/name and its .pub.
func (r *certRig) keygen(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(r.dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	return path
}

// sign certifies key's public half with `ssh-keygen -s`, key ID certName,
// and returns the certificate's path, dir/certName-cert.pub (next to the
// key when certName is the key's name). args are further ssh-keygen
// options, -n PRINCIPALS among them.
func (r *certRig) sign(t *testing.T, key, certName string, args ...string) string {
	t.Helper()
	pub := filepath.Join(r.dir, certName+".pub")
	if certName != key {
		writeFile(t, pub, readFile(t, filepath.Join(r.dir, key+".pub")))
		defer os.Remove(pub)
	}
	args = append(append([]string{"-q", "-s", filepath.Join(r.dir, "ca"), "-I", certName}, args...), pub)
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %q: %v\n%s", args, err, out)
	}
	cert := filepath.Join(r.dir, certName+"-cert.pub")
	if err := os.Chmod(cert, 0o644); err != nil {
		t.Fatal(err)
	}
	return cert
}

// agent serves an in-process agent holding the private keys in files (and
// with certs, each key's certificate instead) on a socket in dir.
func (r *certRig) agent(t *testing.T, name string, keys []string, certs []string) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for i, k := range keys {
		raw, err := ssh.ParseRawPrivateKey([]byte(readFile(t, filepath.Join(r.dir, k))))
		if err != nil {
			t.Fatal(err)
		}
		added := agent.AddedKey{PrivateKey: raw}
		if i < len(certs) && certs[i] != "" {
			pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(readFile(t, certs[i])))
			if err != nil {
				t.Fatal(err)
			}
			added.Certificate = pub.(*ssh.Certificate)
		}
		if err := keyring.Add(added); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(r.dir, name+".sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { agent.ServeAgent(keyring, c); c.Close() }()
		}
	}()
	return sock
}

// args are the options of every run against the rig, after the case's
// own (ssh keeps an option's first value).
func (r *certRig) args(extra ...string) []string {
	return append(append([]string{}, extra...), "-F", "none", "-p", fmt.Sprint(r.Port),
		"-o", "UserKnownHostsFile="+r.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentityAgent=none",
		"-l", r.user, r.Host, "echo logged-in")
}

// authLines matches what sshd's monitor logs, at LogLevel VERBOSE, for
// each key offered and each signature checked. The lines of the
// unprivileged child ("Postponed publickey", "refusing previously-used
// key", tagged [preauth]) are left out: they reach the log file in no
// fixed order with the monitor's.
var authLines = regexp.MustCompile(`(?m)^(Failed|Accepted|Partial) publickey for .*$|^Accepted (certificate ID|key) .*$`)

// offers is the transcript of the keys sshd saw from one client: its log
// lines from offset on, connection ports removed.
func offers(t *testing.T, s *sshdtest.Server, offset int) []string {
	t.Helper()
	port := regexp.MustCompile(` port \d+`)
	var out []string
	for _, l := range authLines.FindAllString(readLog(t, s)[offset:], -1) {
		out = append(out, port.ReplaceAllString(l, ""))
	}
	return out
}

// loginLikeOpenSSH runs ssh and gssh with args and env and requires the
// same exit status, output, stderr (program name aside) and keys offered,
// in the same order, as sshd logged them; ok says whether ssh must log in.
func loginLikeOpenSSH(t *testing.T, s *sshdtest.Server, ok bool, env []string, args []string) {
	t.Helper()
	before := len(readLog(t, s))
	want := runClient(t, "/usr/bin/ssh", nil, env, args...)
	mid := len(readLog(t, s))
	wantOffers := offers(t, s, before)
	got := runClient(t, gsshBin, nil, env, args...)
	gotOffers := offers(t, s, mid)
	assertNoPanic(t, got)
	if ok != (want.code == 0) || ok != (want.stdout == "logged-in\n") {
		t.Fatalf("ssh: exit %d, stdout %q, stderr %q; want a login: %v", want.code, want.stdout, want.stderr, ok)
	}
	if got.code != want.code || got.stdout != want.stdout || got.stderr != asGssh(want.stderr) {
		t.Errorf("gssh: exit %d stdout %q stderr %q\n ssh: exit %d stdout %q stderr %q",
			got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
	}
	if strings.Join(gotOffers, "\n") != strings.Join(wantOffers, "\n") {
		t.Errorf("sshd saw different keys\n gssh:\n  %s\n ssh:\n  %s", strings.Join(gotOffers, "\n  "), strings.Join(wantOffers, "\n  "))
	}
}

// TestCertificateFileLikeOpenSSH: which certificate ssh 9.2 offers with
// which key, and in which order — CertificateFile for a key given with
// -i, for a key held only by the agent, several CertificateFile lines, -i
// naming the certificate, the -cert.pub next to a key and when it is not
// read — against sshd trusting a CA made with ssh-keygen -s. gssh must
// log in (or fail) as ssh does, print the same, and offer sshd the same
// keys in the same order.
func TestCertificateFileLikeOpenSSH(t *testing.T) {
	r := startCertRig(t, sshdtest.Options{})
	key := r.keygen(t, "key")
	other := r.keygen(t, "other")
	r.keygen(t, "agentkey")
	good := r.sign(t, "key", "good", "-n", r.user)
	wrongPrincipal := r.sign(t, "key", "wrongprincipal", "-n", "nobody")
	expired := r.sign(t, "key", "expired", "-n", r.user, "-V", "20200101:20200102")
	otherCert := r.sign(t, "other", "othercert", "-n", r.user)
	agentCert := r.sign(t, "agentkey", "agentcert", "-n", r.user)
	hostCert := r.sign(t, "key", "hostcert", "-h", "-n", r.user)
	// A certificate for a key no identity holds: sshd accepts it, and ssh
	// finds no private key for it.
	r.keygen(t, "lost")
	lostCert := r.sign(t, "lost", "lostcert", "-n", r.user)
	os.Remove(filepath.Join(r.dir, "lost"))
	// The -cert.pub next to a key: "nextkey" has a good one, "badnext"
	// one with the wrong principal.
	nextKey := r.keygen(t, "nextkey")
	r.sign(t, "nextkey", "nextkey", "-n", r.user)
	badNext := r.keygen(t, "badnext")
	r.sign(t, "badnext", "badnext", "-n", "nobody")
	// A certificate found through ${ENV} and % tokens.
	tokenDir := filepath.Join(r.dir, "tokens")
	if err := os.Mkdir(tokenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tokenDir, fmt.Sprintf("%s@%s:%d-cert.pub", r.user, r.Host, r.Port)), readFile(t, good))
	notCert := filepath.Join(r.dir, "other.pub")
	missing := filepath.Join(r.dir, "missing-cert.pub")
	agentSock := r.agent(t, "agent", []string{"agentkey"}, nil)
	certAgentSock := r.agent(t, "certagent", []string{"agentkey"}, []string{agentCert})

	cases := []struct {
		name string
		ok   bool
		env  []string
		args []string
	}{
		{"CertificateFile for the -i key", true, nil,
			[]string{"-i", key, "-o", "CertificateFile=" + good}},
		{"CertificateFile before the -i key", true, nil,
			[]string{"-o", "CertificateFile=" + good, "-i", key, "-o", "IdentitiesOnly=yes"}},
		{"several CertificateFile lines, the last good", true, nil,
			[]string{"-i", key, "-i", other, "-o", "CertificateFile=" + missing, "-o", "CertificateFile=" + notCert,
				"-o", "CertificateFile=" + wrongPrincipal, "-o", "CertificateFile=" + expired, "-o", "CertificateFile=" + good}},
		{"CertificateFile lines for two keys", true, nil,
			[]string{"-i", key, "-i", other, "-o", "CertificateFile=" + wrongPrincipal, "-o", "CertificateFile=" + otherCert}},
		{"CertificateFile without its private key", true, nil,
			[]string{"-i", key, "-o", "CertificateFile=" + lostCert, "-o", "CertificateFile=" + good}},
		{"only certificates that fail", false, nil,
			[]string{"-i", key, "-o", "CertificateFile=" + wrongPrincipal, "-o", "CertificateFile=" + expired}},
		{"host certificate ignored", false, nil,
			[]string{"-i", key, "-o", "CertificateFile=" + hostCert}},
		{"CertificateFile for a key only in the agent", true, nil,
			[]string{"-o", "IdentityAgent=" + agentSock, "-o", "IdentityFile=none", "-o", "CertificateFile=" + agentCert}},
		{"agent key left out by IdentitiesOnly", false, nil,
			[]string{"-o", "IdentityAgent=" + agentSock, "-o", "IdentityFile=none", "-o", "IdentitiesOnly=yes",
				"-o", "CertificateFile=" + agentCert}},
		{"agent key named by its public half under IdentitiesOnly", true, nil,
			[]string{"-o", "IdentityAgent=" + agentSock, "-i", filepath.Join(r.dir, "agentkey.pub"), "-o", "IdentitiesOnly=yes",
				"-o", "CertificateFile=" + agentCert}},
		{"agent holds the certificate", true, nil,
			[]string{"-o", "IdentityAgent=" + certAgentSock, "-o", "IdentityFile=none"}},
		{"agent keys after CertificateFile", true, nil,
			[]string{"-o", "IdentityAgent=" + agentSock, "-i", other, "-o", "CertificateFile=" + otherCert}},
		{"-i names the certificate alone", false, nil,
			[]string{"-i", good}},
		{"-i names the certificate and the key", true, nil,
			[]string{"-i", good, "-i", key}},
		{"-i names the key and the certificate", true, nil,
			[]string{"-i", key, "-i", good}},
		{"-cert.pub next to the key", true, nil,
			[]string{"-i", nextKey}},
		{"-cert.pub next to the key not read with a CertificateFile", false, nil,
			[]string{"-i", nextKey, "-o", "CertificateFile=" + wrongPrincipal}},
		{"-cert.pub next to the key after a failing one", true, nil,
			[]string{"-i", badNext, "-i", nextKey}},
		{"CertificateFile with ${ENV} and % tokens", true, []string{"GSSH_CERTS=" + tokenDir},
			[]string{"-i", key, "-o", "CertificateFile=${GSSH_CERTS}/%r@%h:%p-cert.pub"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loginLikeOpenSSH(t, r.Server, c.ok, c.env, r.args(c.args...))
		})
	}
}

// TestCertificateFileGUnchanged: -G prints CertificateFile lines as
// configured, in order, unexpanded, as ssh does.
func TestCertificateFileGUnchanged(t *testing.T) {
	args := []string{"-G", "-F", "none", "-o", "CertificateFile=~/a-cert.pub", "-o", "CertificateFile=/c/%r@%h-cert.pub",
		"-o", "CertificateFile=${HOME}/b", "-o", "CertificateFile=~/a-cert.pub", "-i", "/k", "-l", "u", "h"}
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	got := gssh(t, nil, args...)
	pick := func(out string) string {
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "certificatefile ") || strings.HasPrefix(l, "identityfile ") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if want.code != 0 || got.code != 0 || pick(got.stdout) != pick(want.stdout) {
		t.Errorf("gssh (exit %d):\n%s\nssh (exit %d):\n%s", got.code, pick(got.stdout), want.code, pick(want.stdout))
	}
}
