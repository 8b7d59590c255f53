//go:build unix

package client_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/sshdtest"
)

// authorize appends pubFile to the server's authorized_keys.
func authorize(t *testing.T, s *sshdtest.Server, pubFile string) {
	t.Helper()
	pub, err := os.ReadFile(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(pub); err != nil {
		t.Fatal(err)
	}
}

func TestAuthEncryptedKeyAsksPassphrase(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	key := filepath.Join(t.TempDir(), "id_enc")
	// One bcrypt round: what is tested is the prompt, and the default 16
	// rounds take most of the dial deadline under -race on a loaded machine.
	if out, err := exec.Command("ssh-keygen", "-q", "-a", "1", "-t", "ed25519", "-N", "secret", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	authorize(t, s, key+".pub")
	cfg := dialConfig(t, s)
	cfg.IdentityFiles = []string{key}
	cfg.PasswordAuthentication = false
	prompt := "Enter passphrase for key '" + key + "': "

	p := &fakePrompter{t: t, answers: []string{"wrong", "secret"}}
	conn, err := dial(t, cfg, client.DialOptions{Prompter: p})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	if got := p.Prompts(); len(got) != 2 || got[0] != prompt || got[1] != prompt {
		t.Errorf("prompts %q", got)
	}

	// NumberOfPasswordPrompts wrong answers, then the key is given up.
	p = &fakePrompter{t: t, answers: []string{"a", "b", "c"}}
	_, err = dial(t, cfg, client.DialOptions{Prompter: p})
	var ae *client.AuthError
	if !errors.As(err, &ae) || len(p.Prompts()) != 3 {
		t.Fatalf("got %v after %d prompts", err, len(p.Prompts()))
	}
}

// serveAgent runs an in-process ssh-agent holding the private key in
// keyFile on a unix socket and returns the socket's path.
func serveAgent(t *testing.T, keyFile string) string {
	t.Helper()
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
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

func TestAuthAgentAndIdentitiesOnly(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := serveAgent(t, s.UserKey)
	other := filepath.Join(t.TempDir(), "other")
	sshKeygen(t, other, "ed25519")

	cfg := dialConfig(t, s)
	cfg.IdentityAgent = sock
	cfg.IdentityFiles = []string{other} // not authorized
	cfg.IdentitiesOnly = false
	cfg.BatchMode = true
	conn, err := dial(t, cfg, client.DialOptions{})
	if err != nil {
		t.Fatalf("agent key: %v", err)
	}
	runEcho(t, conn)

	// IdentitiesOnly keeps the agent's key out unless it is an IdentityFile.
	cfg.IdentitiesOnly = true
	_, err = dial(t, cfg, client.DialOptions{})
	var ae *client.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("IdentitiesOnly: got %T %v, want *AuthError", err, err)
	}
	// The agent signs for an IdentityFile given by its public half only.
	cfg.IdentityFiles = []string{s.UserKey + ".pub"}
	if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
		t.Fatalf("IdentitiesOnly with the agent's key as IdentityFile: %v", err)
	}

	// SSH_AUTH_SOCK is the default agent.
	t.Setenv("SSH_AUTH_SOCK", sock)
	cfg.IdentityAgent = ""
	cfg.IdentitiesOnly = false
	cfg.IdentityFiles = nil
	if _, err := dial(t, cfg, client.DialOptions{}); err != nil {
		t.Fatalf("SSH_AUTH_SOCK: %v", err)
	}
}

// passwordConfig logs in as the non-root test user by password only.
func passwordConfig(t *testing.T, s *sshdtest.Server) *config.Config {
	sshdtest.RequireTestUser(t)
	cfg := dialConfig(t, s)
	cfg.User = sshdtest.TestUser
	cfg.IdentityFiles = nil
	cfg.PubkeyAuthentication = false
	return cfg
}

func TestAuthPassword(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := passwordConfig(t, s)
	log, logged := newLog()
	p := &fakePrompter{t: t, answers: []string{"wrong", sshdtest.TestUserPassword}}
	conn, err := dial(t, cfg, client.DialOptions{Prompter: p, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	runEcho(t, conn)
	prompt := sshdtest.TestUser + "@" + s.Host + "'s password: "
	if got := p.Prompts(); len(got) != 2 || got[0] != prompt || got[1] != prompt {
		t.Errorf("prompts %q", got)
	}
	if logged.String() != "Permission denied, please try again.\r\n" {
		t.Errorf("log %q", logged)
	}
}

func TestAuthWrongPasswordLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := passwordConfig(t, s)
	log, logged := newLog()
	p := &fakePrompter{t: t, answers: []string{"x", "y", "z"}}
	_, err := dial(t, cfg, client.DialOptions{Prompter: p, Log: log})
	var ae *client.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %T %v, want *AuthError", err, err)
	}
	gssh := logged.String() + printed(err)

	// OpenSSH, fed the same wrong answers by SSH_ASKPASS.
	askpass := filepath.Join(t.TempDir(), "askpass")
	if err := os.WriteFile(askpass, []byte("#!/bin/sh\necho wrong\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := openSSH(t, []string{"SSH_ASKPASS=" + askpass, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=none"},
		"-p", strconv.Itoa(s.Port), "-o", "UserKnownHostsFile="+s.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none", "-l", sshdtest.TestUser, s.Host, "true")
	if gssh != want {
		t.Errorf("gssh:\n%s\nOpenSSH:\n%s", gssh, want)
	}
	if len(p.Prompts()) != 3 {
		t.Errorf("%d prompts, want NumberOfPasswordPrompts=3", len(p.Prompts()))
	}
}

// Files that are not usable private keys get OpenSSH 9.2's (OpenSSL 3)
// reason in the "Load key" line.
func TestAuthBadKeyFilesLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	pubKey := filepath.Join(dir, "authorized")
	sshKeygen(t, pubKey, "ed25519")
	authorize(t, s, pubKey+".pub")
	rsa := filepath.Join(dir, "rsa")
	sshKeygen(t, rsa, "rsa", "-b", "2048", "-m", "PEM")
	rsaPEM, err := os.ReadFile(rsa)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"garbage":         "this is not a private key\n",
		"empty":           "",
		"truncated PEM":   strings.Join(strings.SplitAfter(string(rsaPEM), "\n")[:5], ""),
		"bad DER in PEM":  "-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n",
		"bad OPENSSH key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		files[name] = path
	}
	// A public key given as the private one (0600, or its permissions
	// would be the complaint).
	pubData, err := os.ReadFile(pubKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	files["public key given as private"] = filepath.Join(dir, "pub_as_private")
	if err := os.WriteFile(files["public key given as private"], pubData, 0o600); err != nil {
		t.Fatal(err)
	}
	// OpenSSH-format keys whose clear-text envelope OpenSSH refuses, though
	// x/crypto would load them.
	okKey := filepath.Join(dir, "ok")
	sshKeygen(t, okKey, "ed25519")
	authorize(t, s, okKey+".pub")
	okPEM, err := os.ReadFile(okKey)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(okPEM)
	none := "\x00\x00\x00\x04none"
	for name, blob := range map[string]string{
		"unsupported cipher": strings.Replace(string(block.Bytes), none, "\x00\x00\x00\x07foo-cbc", 1),
		"two keys":           strings.Replace(string(block.Bytes), none+none+"\x00\x00\x00\x00\x00\x00\x00\x01", none+none+"\x00\x00\x00\x00\x00\x00\x00\x02", 1),
	} {
		if blob == string(block.Bytes) {
			t.Fatalf("%s: key layout not as expected", name)
		}
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: []byte(blob)}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".pub", nil, 0o644); err != nil { // no usable .pub
			t.Fatal(err)
		}
		files[name] = path
	}
	for name, path := range files {
		cfg := dialConfig(t, s)
		cfg.IdentityFiles = []string{path}
		cfg.BatchMode = true
		log, logged := newLog()
		_, err := dial(t, cfg, client.DialOptions{Log: log})
		want := openSSH(t, nil, "-p", strconv.Itoa(s.Port), "-o", "UserKnownHostsFile="+s.KnownHosts,
			"-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
			"-o", "IdentityAgent=none", "-i", path, s.Host, "true")
		if got := logged.String() + printed(err); got != want || !strings.HasPrefix(want, "Load key") {
			t.Errorf("%s:\ngssh:    %q\nOpenSSH: %q", name, got, want)
		}
	}
}

// noTTYPrompter fails every prompt, like tty.NewPrompter without a
// controlling terminal.
type noTTYPrompter struct{ n int }

func (p *noTTYPrompter) ReadPassword(string) (string, error) { p.n++; return "", tty.ErrNoTTY }
func (p *noTTYPrompter) ReadLine(string) (string, error)     { p.n++; return "", tty.ErrNoTTY }

// Without a terminal OpenSSH's read_passphrase answers "", so ssh sends
// NumberOfPasswordPrompts empty passwords and complains between them.
func TestAuthNoTerminalLikeOpenSSH(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := passwordConfig(t, s)
	log, logged := newLog()
	p := &noTTYPrompter{}
	_, err := dial(t, cfg, client.DialOptions{Prompter: p, Log: log})
	var ae *client.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %T %v, want *AuthError", err, err)
	}
	gssh := logged.String() + printed(err)

	cmd := exec.Command("/usr/bin/ssh", "-F", "none", "-p", strconv.Itoa(s.Port),
		"-o", "UserKnownHostsFile="+s.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none", "-l", sshdtest.TestUser, s.Host, "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
	cmd.Env = append(os.Environ(), "SSH_ASKPASS=", "DISPLAY=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Run()
	if gssh != stderr.String() {
		t.Errorf("gssh:    %q\nOpenSSH: %q", gssh, stderr.String())
	}
	if p.n != 3 {
		t.Errorf("%d prompts, want NumberOfPasswordPrompts=3", p.n)
	}
}

func TestAuthBatchModeNeverPrompts(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	cfg := dialConfig(t, s)
	cfg.IdentityFiles = nil
	cfg.BatchMode = true
	_, err := dial(t, cfg, client.DialOptions{Prompter: &fakePrompter{t: t}})
	var ae *client.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %T %v, want *AuthError", err, err)
	}
	want := cfg.User + "@127.0.0.1: Permission denied (publickey,password)."
	if err.Error() != want || strings.Join(ae.Methods, ",") != "publickey,password" {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestAuthMissingIdentityFileReported(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	missing := filepath.Join(t.TempDir(), "nope")
	cfg := dialConfig(t, s)
	cfg.IdentityFiles = []string{missing, s.UserKey}
	log, logged := newLog()
	if _, err := dial(t, cfg, client.DialOptions{Log: log}); err != nil {
		t.Fatal(err)
	}
	if want := "no such identity: " + missing + ": No such file or directory\r\n"; logged.String() != want {
		t.Errorf("log %q, want %q", logged, want)
	}
	// Default identities that do not exist are silent.
	cfg.IdentityFilesSet = false
	log, logged = newLog()
	if _, err := dial(t, cfg, client.DialOptions{Log: log}); err != nil {
		t.Fatal(err)
	}
	if logged.String() != "" {
		t.Errorf("log %q for a missing default identity", logged)
	}
}

// kbdServer is an in-process x/crypto server offering only
// keyboard-interactive with a two-question challenge; sshd here has no
// keyboard-interactive device without PAM.
func kbdServer(t *testing.T) (port int, hostKey ssh.PublicKey) {
	t.Helper()
	signer := ed25519Signer(t)
	conf := &ssh.ServerConfig{
		KeyboardInteractiveCallback: func(md ssh.ConnMetadata, challenge ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			ans, err := challenge("Login", "Answer both", []string{"Name: ", "Code: "}, []bool{true, false})
			if err != nil {
				return nil, err
			}
			if len(ans) == 2 && ans[0] == "alice" && ans[1] == "1234" {
				return nil, nil
			}
			return nil, errors.New("wrong answers")
		},
	}
	conf.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
			go func() {
				defer c.Close()
				sc, chans, reqs, err := ssh.NewServerConn(c, conf)
				if err != nil {
					return
				}
				defer sc.Close()
				go ssh.DiscardRequests(reqs)
				for ch := range chans {
					ch.Reject(ssh.Prohibited, "no channels")
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, signer.PublicKey()
}

func TestAuthKeyboardInteractive(t *testing.T) {
	port, hostKey := kbdServer(t)
	name := "[127.0.0.1]:" + strconv.Itoa(port)
	cfg := &config.Config{
		HostName: "127.0.0.1", Port: port, User: "alice", ConnectionAttempts: 1,
		KbdInteractiveAuthentication: true, NumberOfPasswordPrompts: 3,
		StrictHostKeyChecking: "yes", IdentityAgent: "none",
		UserKnownHostsFiles: []string{writeKnownHosts(t, name+" "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostKey))))},
	}
	log, logged := newLog()
	p := &fakePrompter{t: t, answers: []string{"bob", "0000", "alice", "1234"}}
	conn, err := dial(t, cfg, client.DialOptions{Prompter: p, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	wantPrompts := []string{"(alice@127.0.0.1) Name: ", "(alice@127.0.0.1) Code: "}
	got := p.Prompts()
	if len(got) != 4 || got[0] != wantPrompts[0] || got[1] != wantPrompts[1] || got[2] != wantPrompts[0] {
		t.Errorf("prompts %q", got)
	}
	if p.echo[0] != true || p.echo[1] != false {
		t.Errorf("echo flags %v, want [true false ...]", p.echo)
	}
	if logged.String() != "Login\r\nAnswer both\r\nLogin\r\nAnswer both\r\n" {
		t.Errorf("log %q", logged)
	}
}

func ed25519Signer(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
