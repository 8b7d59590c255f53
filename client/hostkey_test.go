//go:build unix

package client_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/knownhosts"
	"github.com/gssh/gssh/internal/sshdtest"
)

// writeKnownHosts writes lines to a fresh known_hosts file.
func writeKnownHosts(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func randomKeyLine(t *testing.T, host string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
}

func hostKeyText(s *sshdtest.Server) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey)))
}

// openSSHHostKey runs OpenSSH against s with the given known_hosts and
// strictness, returning its stderr.
func openSSHHostKey(t *testing.T, s *sshdtest.Server, knownHosts, strict string) string {
	return openSSH(t, nil, "-p", strconv.Itoa(s.Port), "-o", "UserKnownHostsFile="+knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking="+strict,
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-i", s.UserKey, s.Host, "true")
}

func TestHostKeyUnknownStrictLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := dialConfig(t, s)
	cfg.UserKnownHostsFiles = []string{filepath.Join(t.TempDir(), "missing")}
	_, err := dial(t, cfg, client.DialOptions{Prompter: &fakePrompter{t: t}})
	var he *knownhosts.HostKeyError
	if !errors.As(err, &he) || he.Problem != knownhosts.HostKeyUnknown {
		t.Fatalf("got %T %v, want unknown-key HostKeyError", err, err)
	}
	want := openSSHHostKey(t, s, cfg.UserKnownHostsFiles[0], "yes")
	if printed(err) != want {
		t.Errorf("gssh:\n%s\nOpenSSH:\n%s", err, want)
	}
	// The handshake stopped at key exchange: sshd never heard of a user.
	log, _ := os.ReadFile(s.LogFile)
	for _, word := range []string{"Accepted", "Failed", "user " + cfg.User, "invalid user"} {
		if strings.Contains(string(log), word) {
			t.Errorf("sshd log mentions %q after a host key failure:\n%s", word, log)
		}
	}
}

func TestHostKeyChangedStrictLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	kh := writeKnownHosts(t, "# comment", randomKeyLine(t, "["+s.Host+"]:"+strconv.Itoa(s.Port)))
	for _, strict := range []string{"yes", "ask", "accept-new"} {
		cfg := dialConfig(t, s)
		cfg.UserKnownHostsFiles = []string{kh}
		cfg.StrictHostKeyChecking = strict
		_, err := dial(t, cfg, client.DialOptions{})
		var he *knownhosts.HostKeyError
		if !errors.As(err, &he) || he.Problem != knownhosts.HostKeyChanged {
			t.Fatalf("%s: got %T %v, want changed-key HostKeyError", strict, err, err)
		}
		if want := openSSHHostKey(t, s, kh, strict); printed(err) != want {
			t.Errorf("%s: gssh:\n%s\nOpenSSH:\n%s", strict, err, want)
		}
		if !strings.Contains(err.Error(), kh+":2") {
			t.Errorf("offending line not named: %s", err)
		}
	}
}

// With StrictHostKeyChecking=no OpenSSH 9.2 connects despite a changed key
// but disables password and keyboard-interactive authentication.
func TestHostKeyChangedNoContinuesWithoutPasswords(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	kh := writeKnownHosts(t, randomKeyLine(t, "["+s.Host+"]:"+strconv.Itoa(s.Port)))
	cfg := dialConfig(t, s)
	cfg.UserKnownHostsFiles = []string{kh}
	cfg.StrictHostKeyChecking = "no"
	log, logged := newLog()
	conn, err := dial(t, cfg, client.DialOptions{Log: log, Prompter: &fakePrompter{t: t}})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	if !conn.HostKeyUntrusted {
		t.Error("HostKeyUntrusted not set")
	}
	if want := openSSHHostKey(t, s, kh, "no"); logged.String() != want {
		t.Errorf("gssh:\n%s\nOpenSSH:\n%s", logged, want)
	}

	// A password must not be asked for: the key is the only way in.
	cfg.IdentityFiles = nil
	_, err = dial(t, cfg, client.DialOptions{Log: log, Prompter: &fakePrompter{t: t}})
	var ae *client.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %T %v, want *AuthError", err, err)
	}
}

func TestHostKeyAcceptNewAppendsOneLine(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		t.Run("hashed="+strconv.FormatBool(hashed), func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			// A missing ~/.ssh is created, silently, as OpenSSH 9.2 does
			// (checked as a user without ~/.ssh: only the "Permanently
			// added" line is printed).
			home := t.TempDir()
			kh := filepath.Join(home, ".ssh", "known_hosts")
			cfg := dialConfig(t, s)
			cfg.UserKnownHostsFiles = []string{kh}
			cfg.StrictHostKeyChecking = "accept-new"
			cfg.HashKnownHosts = hashed
			log, logged := newLog()
			conn, err := dial(t, cfg, client.DialOptions{Log: log, HomeDir: home})
			if err != nil {
				t.Fatal(err)
			}
			runEcho(t, conn)
			name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
			wantLog := "Warning: Permanently added '" + name + "' (ED25519) to the list of known hosts.\r\n"
			if logged.String() != wantLog {
				t.Errorf("log %q, want %q", logged, wantLog)
			}
			if st, err := os.Stat(filepath.Dir(kh)); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("~/.ssh: %v, %v; want a 0700 directory", st, err)
			}
			data, err := os.ReadFile(kh)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("known_hosts has %d lines:\n%s", len(lines), data)
			}
			hostField, keyText, _ := strings.Cut(lines[0], " ")
			if keyText != hostKeyText(s) {
				t.Errorf("key %q, want %q", keyText, hostKeyText(s))
			}
			if hashed != strings.HasPrefix(hostField, "|1|") || (!hashed && hostField != name) {
				t.Errorf("host field %q (hashed=%v)", hostField, hashed)
			}
			// Real interop: OpenSSH accepts the entry under strict checking.
			if out := openSSHHostKey(t, s, kh, "yes"); out != "" {
				t.Errorf("OpenSSH rejects the added entry:\n%s", out)
			}
			// And a second gssh connection adds nothing.
			cfg.StrictHostKeyChecking = "yes"
			if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
				t.Fatal(err)
			}
			if again, _ := os.ReadFile(kh); string(again) != string(data) {
				t.Errorf("known_hosts changed on a known host:\n%s", again)
			}
		})
	}
}

// When the key cannot be recorded, OpenSSH says so and connects anyway;
// only ~/.ssh is ever created. /dev/null takes the key without complaint.
func TestHostKeyAcceptNewUnwritableLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, kh := range []string{filepath.Join(t.TempDir(), "missing-dir", "known_hosts"), "/dev/null"} {
		cfg := dialConfig(t, s)
		cfg.UserKnownHostsFiles = []string{kh}
		cfg.StrictHostKeyChecking = "accept-new"
		log, logged := newLog()
		conn, err := dial(t, cfg, client.DialOptions{Log: log, HomeDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: %v", kh, err)
		}
		runEcho(t, conn)
		if want := openSSHHostKey(t, s, kh, "accept-new"); logged.String() != want {
			t.Errorf("%s:\ngssh:    %q\nOpenSSH: %q", kh, logged, want)
		}
		if _, err := os.Stat(filepath.Dir(kh)); kh != "/dev/null" && err == nil {
			t.Errorf("%s: directory created", filepath.Dir(kh))
		}
	}
}

func TestHostKeyAskPromptLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	kh := writeKnownHosts(t, "otherhost "+hostKeyText(s))
	fp := ssh.FingerprintSHA256(s.HostKey)
	first := "The authenticity of host '" + name + " (" + name + ")' can't be established.\n" +
		"ED25519 key fingerprint is " + fp + ".\n" +
		"This host key is known by the following other names/addresses:\n" +
		"    " + kh + ":1: otherhost\n" +
		"Are you sure you want to continue connecting (yes/no/[fingerprint])? "
	again := "Please type 'yes', 'no' or the fingerprint: "

	cfg := dialConfig(t, s)
	cfg.UserKnownHostsFiles = []string{kh}
	cfg.StrictHostKeyChecking = "ask"
	p := &fakePrompter{t: t, answers: []string{"maybe", "no"}}
	_, err := dial(t, cfg, client.DialOptions{Prompter: p})
	if err == nil || err.Error() != "Host key verification failed." {
		t.Fatalf("answer no: got %v", err)
	}
	if got := p.Prompts(); len(got) != 2 || got[0] != first || got[1] != again {
		t.Errorf("prompts %q\nwant %q, %q", got, first, again)
	}

	p = &fakePrompter{t: t, answers: []string{" " + fp + " "}}
	log, logged := newLog()
	conn, err := dial(t, cfg, client.DialOptions{Prompter: p, Log: log})
	if err != nil {
		t.Fatalf("answer with the fingerprint: %v", err)
	}
	runEcho(t, conn)
	if !strings.Contains(logged.String(), "Warning: Permanently added '"+name+"' (ED25519)") {
		t.Errorf("log %q", logged)
	}

	// BatchMode: no prompt, plain failure.
	cfg.UserKnownHostsFiles = []string{filepath.Join(t.TempDir(), "kh")}
	cfg.BatchMode = true
	_, err = dial(t, cfg, client.DialOptions{Prompter: &fakePrompter{t: t}})
	if want := openSSHHostKey(t, s, cfg.UserKnownHostsFiles[0], "ask"); err == nil || printed(err) != want {
		t.Errorf("BatchMode ask: got %v, OpenSSH %q", err, want)
	}
}

// sshKeygen makes a key of the given type with no passphrase.
func sshKeygen(t *testing.T, path, typ string, extra ...string) {
	t.Helper()
	args := append([]string{"-q", "-t", typ, "-N", "", "-f", path}, extra...)
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
}

// A server with several host keys must present the type known_hosts holds
// (golang/go#29286), not x/crypto's first preference.
func TestHostKeyOnlyKnownTypeIsNegotiated(t *testing.T) {
	dir := t.TempDir()
	sshKeygen(t, filepath.Join(dir, "rsa"), "rsa", "-b", "2048")
	sshKeygen(t, filepath.Join(dir, "ecdsa"), "ecdsa")
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{
		"HostKey " + filepath.Join(dir, "rsa"), "HostKey " + filepath.Join(dir, "ecdsa"),
	}})
	name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	for _, known := range []string{s.KnownHosts, filepath.Join(dir, "ecdsa.pub"), filepath.Join(dir, "rsa.pub")} {
		var keyText string
		if known == s.KnownHosts {
			keyText = hostKeyText(s)
		} else {
			b, err := os.ReadFile(known)
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(b))
			keyText = f[0] + " " + f[1]
		}
		cfg := dialConfig(t, s)
		cfg.UserKnownHostsFiles = []string{writeKnownHosts(t, name+" "+keyText)}
		if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
			t.Errorf("known %s: %v", strings.Fields(keyText)[0], err)
		}
	}
}

func TestHostKeyFileTolerance(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	name := "[" + s.Host + "]:" + strconv.Itoa(s.Port)
	hashed := xknownhosts.HashHostname(name)
	cases := map[string][]string{
		"malformed lines skipped": {"garbage", "host ssh-ed25519 !!!notbase64", "@bogus-marker x y z", name + " " + hostKeyText(s)},
		"hashed entry":            {hashed + " " + hostKeyText(s)},
		"wildcard":                {"*.example.com,[127.0.0.*]:* " + hostKeyText(s)},
		"negation vetoes other":   {"!" + name + ",* " + randomKeyFields(t), name + " " + hostKeyText(s)},
	}
	for title, lines := range cases {
		t.Run(title, func(t *testing.T) {
			cfg := dialConfig(t, s)
			cfg.UserKnownHostsFiles = []string{filepath.Join(t.TempDir(), "missing"), writeKnownHosts(t, lines...)}
			if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
				t.Fatal(err)
			}
			if out := openSSHHostKey(t, s, cfg.UserKnownHostsFiles[1], "yes"); out != "" {
				t.Errorf("OpenSSH disagrees:\n%s", out)
			}
		})
	}
}

func randomKeyFields(t *testing.T) string {
	_, k, _ := strings.Cut(randomKeyLine(t, "x"), " ")
	return k
}

func TestHostKeyRevoked(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	kh := writeKnownHosts(t, "@revoked * "+hostKeyText(s), s.KnownHostsLine())
	cfg := dialConfig(t, s)
	cfg.UserKnownHostsFiles = []string{kh}
	_, err := dial(t, cfg, client.DialOptions{})
	var he *knownhosts.HostKeyError
	if !errors.As(err, &he) || he.Problem != knownhosts.HostKeyRevoked {
		t.Fatalf("got %T %v, want revoked HostKeyError", err, err)
	}
	if want := openSSHHostKey(t, s, kh, "yes"); printed(err) != want {
		t.Errorf("gssh:\n%s\nOpenSSH:\n%s", err, want)
	}
}

func TestHostKeyAlias(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := dialConfig(t, s)
	cfg.HostKeyAlias = "myalias"
	cfg.UserKnownHostsFiles = []string{writeKnownHosts(t, "myalias "+hostKeyText(s))}
	if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg.UserKnownHostsFiles = []string{s.KnownHosts} // lists [127.0.0.1]:port only
	_, err := dial(t, cfg, client.DialOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "No ED25519 host key is known for myalias and") {
		t.Fatalf("got %v", err)
	}
}

// A host certificate signed by a @cert-authority key verifies without the
// host key itself being listed.
func TestHostKeyCertAuthority(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	sshKeygen(t, ca, "ed25519")
	hostKey := filepath.Join(dir, "host")
	sshKeygen(t, hostKey, "ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-s", ca, "-I", "host", "-h", "-n", "127.0.0.1", hostKey+".pub").CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{
		"HostKey " + hostKey, "HostCertificate " + hostKey + "-cert.pub",
	}})
	caPub, err := os.ReadFile(ca + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	cfg := dialConfig(t, s)
	cfg.UserKnownHostsFiles = []string{writeKnownHosts(t, "@cert-authority 127.0.0.1 "+strings.TrimSpace(string(caPub)))}
	conn, err := dial(t, cfg, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
}
