//go:build unix

// Package sshdtest runs a real OpenSSH sshd on 127.0.0.1 for integration
// tests: generated host and user keys, a free port, a private temp dir, and
// a client configuration that points gssh (or ssh) at it. It builds on
// Unix only (process groups, signals), so the tests using it carry the
// same constraint.
package sshdtest

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/testenv"
)

// SshdPath is where Debian installs sshd; sshd refuses to run from a
// relative path because it re-executes itself.
const SshdPath = "/usr/sbin/sshd"

// TestUser is the non-root account .ci/run creates. Remote signals need a
// non-root login on OpenSSH 9.2 (OPENSSH-NOTES §5).
const TestUser = "gsshtest"

// TestUserPassword is the password .ci/run gives TestUser, for password
// authentication tests.
const TestUserPassword = "gssh-test-password"

// Options change how the server is started.
type Options struct {
	// ExtraConfig lines are appended to the generated sshd_config. sshd
	// keeps the first value of most keywords, so these add settings
	// rather than change the harness's own.
	ExtraConfig []string
	// LogLevel is sshd's LogLevel, VERBOSE when empty. sshd keeps the
	// first value of a keyword, so ExtraConfig cannot change it.
	LogLevel string
	// PAM has sshd check passwords through PAM (UsePAM yes, Debian's
	// /etc/pam.d/sshd) and offer keyboard-interactive, whose only
	// question is then pam_unix's "Password: " for the account's
	// password: the stand-in for a one-time code in multi-step logins.
	// Without PAM, sshd on Linux has no keyboard-interactive device.
	PAM bool
	// Env holds NAME=VALUE settings added to sshd's environment (such as
	// KRB5_KTNAME for a Kerberos test's keytab).
	Env []string
	// HostKeys, if set, are the HostKey files in place of the generated
	// ed25519 key; Server.HostKey is then the first one's FILE.pub. sshd
	// 9.2 loads the host keys afresh for each connection, so a test can
	// add and remove the files to make the server gain and lose keys
	// between connections (at least one must exist).
	HostKeys []string
}

// Server is a running sshd. Its files live in Dir and vanish with the test.
type Server struct {
	Dir  string
	Host string // always 127.0.0.1
	Port int

	// HostKey is the server's ed25519 host key.
	HostKey ssh.PublicKey
	// UserKey is the path of an unencrypted ed25519 private key that every
	// local account may log in with; UserKey+".pub" is its public half.
	UserKey string
	// KnownHosts is a known_hosts file listing HostKey for [127.0.0.1]:Port.
	KnownHosts string
	// ClientConfig is an ssh_config file defining host alias "sshd" (as
	// root) and "sshd-user" (as TestUser) for this server, with strict
	// host key checking against KnownHosts.
	ClientConfig string
	// LogFile is sshd's -E log.
	LogFile string

	cmd  *exec.Cmd
	done chan struct{}
}

// Start launches sshd and stops it when the test ends. When sshd is not
// installed the test ends through testenv.SkipOrFail. When the test ends
// it also fails the test on any race detector report from the gssh
// processes it ran (CheckRaces).
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if _, err := os.Stat(SshdPath); err != nil {
		testenv.SkipOrFail(t, "sshd not installed: %v", err)
	}
	// Registered first, so it runs last: after the test's own clean-up
	// has stopped the gssh masters it started.
	t.Cleanup(func() { CheckRaces(t) })
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatalf("privilege separation dir: %v", err)
	}
	dir, err := os.MkdirTemp("", "sshdtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The test user's sshd child reads authorized_keys as that user.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, Host: "127.0.0.1", LogFile: filepath.Join(dir, "sshd.log")}
	if err := s.writeKeys(opts.HostKeys); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if lastErr = s.start(opts); lastErr == nil {
			t.Cleanup(s.Stop)
			recordRun(t)
			if err := s.writeClientFiles(); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	log, _ := os.ReadFile(s.LogFile)
	t.Fatalf("sshd did not start: %v\n%s", lastErr, log)
	return nil
}

// RunLogEnv names the file to which each test that started an sshd
// appends its name: `make test` counts them, so that a run in which the
// real-server tests did not happen cannot pass for one in which they did.
const RunLogEnv = "GSSH_SSHD_TEST_LOG"

func recordRun(t testing.TB) {
	path := os.Getenv(RunLogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("%s: %v", RunLogEnv, err)
	}
	defer f.Close()
	top, _, _ := strings.Cut(t.Name(), "/")
	if _, err := fmt.Fprintf(f, "%s %s\n", filepath.Base(os.Args[0]), top); err != nil {
		t.Fatalf("%s: %v", RunLogEnv, err)
	}
}

func (s *Server) writeKeys(hostKeys []string) error {
	hostPub, err := writeEd25519(filepath.Join(s.Dir, "host_ed25519"))
	if err != nil {
		return err
	}
	s.HostKey = hostPub
	if len(hostKeys) > 0 {
		b, err := os.ReadFile(hostKeys[0] + ".pub")
		if err != nil {
			return err
		}
		if s.HostKey, _, _, _, err = ssh.ParseAuthorizedKey(b); err != nil {
			return fmt.Errorf("%s.pub: %w", hostKeys[0], err)
		}
	}
	s.UserKey = filepath.Join(s.Dir, "id_ed25519")
	userPub, err := writeEd25519(s.UserKey)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, "authorized_keys"), ssh.MarshalAuthorizedKey(userPub), 0o644)
}

// writeEd25519 writes an OpenSSH-format private key and its .pub file.
func writeEd25519(path string) (ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "sshdtest")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return sshPub, os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(sshPub), 0o644)
}

func (s *Server) start(opts Options) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	hostKeys := opts.HostKeys
	if len(hostKeys) == 0 {
		hostKeys = []string{filepath.Join(s.Dir, "host_ed25519")}
	}
	lines := []string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"AuthorizedKeysFile " + filepath.Join(s.Dir, "authorized_keys"),
		"PidFile " + filepath.Join(s.Dir, "sshd.pid"),
		"StrictModes no",
		"UsePAM " + yesNo(opts.PAM),
		"PasswordAuthentication yes",
		"KbdInteractiveAuthentication " + yesNo(opts.PAM),
		"PermitRootLogin yes",
		"Subsystem sftp internal-sftp",
		"AllowTcpForwarding yes",
		"AllowAgentForwarding yes",
		"AcceptEnv LANG LC_* GSSH_*",
		"MaxSessions 200",
		"MaxStartups 200:30:300",
		"LogLevel " + cmp.Or(opts.LogLevel, "VERBOSE"),
		// bash started by sshd sources ~/.bashrc only as a top-level
		// shell (SHLVL unset or 0). Root's rc files on the build machines
		// run pyenv, whose rehash lock makes concurrent logins wait for
		// seconds and sometimes prints to stderr: the server's commands
		// should not depend on them.
		"SetEnv SHLVL=1",
	}
	for _, k := range hostKeys {
		lines = append(lines, "HostKey "+k)
	}
	lines = append(lines, opts.ExtraConfig...)
	cfg := filepath.Join(s.Dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	os.Remove(s.LogFile)
	cmd := exec.Command(SshdPath, "-D", "-f", cfg, "-E", s.LogFile)
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()
	return s.waitListening()
}

// waitListening polls the port until sshd accepts or exits; sshd has no
// readiness signal in -D mode other than the listening socket.
func (s *Server) waitListening() error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 50*time.Millisecond) {
		select {
		case <-s.done:
			return errors.New("sshd exited during start-up")
		default:
		}
		conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			// Read the banner so sshd does not log a preauth drop as an error.
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "SSH-2.0-") {
				return nil
			}
			return fmt.Errorf("unexpected banner %q", line)
		}
		time.Sleep(delay)
	}
	s.Stop()
	return errors.New("sshd did not listen within 10s")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is host:port of the server.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// KnownHostsLine is the known_hosts line for this server.
func (s *Server) KnownHostsLine() string {
	return fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, bytes.TrimSpace(ssh.MarshalAuthorizedKey(s.HostKey)))
}

func (s *Server) writeClientFiles() error {
	s.KnownHosts = filepath.Join(s.Dir, "known_hosts")
	if err := os.WriteFile(s.KnownHosts, []byte(s.KnownHostsLine()+"\n"), 0o644); err != nil {
		return err
	}
	s.ClientConfig = filepath.Join(s.Dir, "ssh_config")
	return os.WriteFile(s.ClientConfig, []byte(s.ClientConfigText()), 0o644)
}

// ClientConfigText is the content of ClientConfig, for tests that extend it.
func (s *Server) ClientConfigText() string {
	root := "root"
	if u, err := user.Current(); err == nil {
		root = u.Username
	}
	block := func(alias, login string) string {
		return fmt.Sprintf(`Host %s
	HostName %s
	Port %d
	User %s
	IdentityFile %s
	IdentitiesOnly yes
	IdentityAgent none
	UserKnownHostsFile %s
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
`, alias, s.Host, s.Port, login, s.UserKey, s.KnownHosts)
	}
	return block("sshd", root) + block("sshd-user", TestUser)
}

// Stop kills sshd and every process its sessions started.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	// Sessions run in their own process groups, and a command without a
	// pty outlives its sshd: kill every descendant, thawing frozen ones.
	for _, pid := range Descendants(s.Pid()) {
		syscall.Kill(pid, syscall.SIGCONT)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Pid is the listening sshd's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// SessionPIDs lists the sshd processes serving connections: the
// descendants of the listener whose command is sshd. Freezing these
// (SIGSTOP) freezes the connections while the listener keeps accepting.
func (s *Server) SessionPIDs() []int {
	var pids []int
	for _, pid := range Descendants(s.Pid()) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(comm)) == "sshd" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Descendants returns every live descendant of pid, read from /proc.
func Descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name may contain spaces; fields resume after ')'.
		rest := stat[bytes.LastIndexByte(stat, ')')+1:]
		fields := strings.Fields(string(rest))
		if len(fields) < 2 || fields[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// RequireTestUser ends the test through testenv.SkipOrFail when TestUser
// does not exist; .ci/setup creates it.
func RequireTestUser(t testing.TB) {
	t.Helper()
	if _, err := user.Lookup(TestUser); err != nil {
		testenv.SkipOrFail(t, "test user %s missing (.ci/setup creates it): %v", TestUser, err)
	}
}
