//go:build unix

// Package kdctest runs a throwaway MIT Kerberos realm for integration
// tests: a database, a krb5kdc on a free 127.0.0.1 port, principals and
// keytabs, all in a private temp dir that vanishes with the test. It needs
// Debian's krb5-kdc (krb5kdc, kdb5_util, kadmin.local) and krb5-user
// (kinit), which .ci/setup installs; without them the test ends through
// testenv.SkipOrFail.
package kdctest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/testenv"
)

// Realm is the name of every test realm.
const Realm = "GSSH.TEST"

// masterPassword protects the throwaway database.
const masterPassword = "gssh-kdc-master"

// Programs the harness runs; Debian installs them here.
const (
	krb5kdcPath     = "/usr/sbin/krb5kdc"
	kdb5UtilPath    = "/usr/sbin/kdb5_util"
	kadminLocalPath = "/usr/sbin/kadmin.local"
	kinitPath       = "/usr/bin/kinit"
)

// KDC is a running krb5kdc with its realm. Its files live in Dir.
type KDC struct {
	Dir  string
	Port int
	// Krb5Conf is a krb5.conf for clients and servers of the realm:
	// default realm Realm, this KDC over TCP, and no DNS canonicalisation
	// of host names (so that a test's service names do not depend on the
	// machine's resolver).
	Krb5Conf string

	kdcConf string
	cmd     *exec.Cmd
}

// Start creates the realm and starts its KDC, which is stopped when the
// test ends.
func Start(t testing.TB) *KDC {
	t.Helper()
	for _, p := range []string{krb5kdcPath, kdb5UtilPath, kadminLocalPath, kinitPath} {
		if _, err := os.Stat(p); err != nil {
			testenv.SkipOrFail(t, "MIT Kerberos not installed (krb5-kdc, krb5-admin-server, krb5-user): %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "kdctest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// sshd reads the keytab and krb5.conf here as root, its session
	// children as the user.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	k := &KDC{Dir: dir, Krb5Conf: filepath.Join(dir, "krb5.conf"), kdcConf: filepath.Join(dir, "kdc.conf")}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if lastErr = k.start(); lastErr == nil {
			t.Cleanup(k.stop)
			return k
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "kdc.log"))
	t.Fatalf("krb5kdc did not start: %v\n%s", lastErr, log)
	return nil
}

// Env is the environment that points MIT tools (and gssh) at this realm.
func (k *KDC) Env() []string {
	return []string{"KRB5_CONFIG=" + k.Krb5Conf, "KRB5_KDC_PROFILE=" + k.kdcConf}
}

func (k *KDC) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	k.Port = port
	krb5 := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	forwardable = true
[realms]
	%[1]s = {
		kdc = 127.0.0.1:%[2]d
	}
`, Realm, port)
	kdc := fmt.Sprintf(`[kdcdefaults]
	kdc_listen = 127.0.0.1:%[2]d
	kdc_tcp_listen = 127.0.0.1:%[2]d
[realms]
	%[1]s = {
		database_name = %[3]s
		key_stash_file = %[4]s
		acl_file = %[5]s
		max_life = 1h
	}
[logging]
	kdc = FILE:%[6]s
`, Realm, port, filepath.Join(k.Dir, "principal"), filepath.Join(k.Dir, "stash"),
		filepath.Join(k.Dir, "kadm5.acl"), filepath.Join(k.Dir, "kdc.log"))
	for path, text := range map[string]string{k.Krb5Conf: krb5, k.kdcConf: kdc, filepath.Join(k.Dir, "kadm5.acl"): ""} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(k.Dir, "principal")); errors.Is(err, os.ErrNotExist) {
		if err := k.run(kdb5UtilPath, "create", "-s", "-r", Realm, "-P", masterPassword); err != nil {
			return err
		}
	}
	cmd := exec.Command(krb5kdcPath, "-n", "-r", Realm)
	cmd.Env = append(os.Environ(), k.Env()...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	k.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for delay := time.Millisecond; time.Now().Before(deadline); delay = min(2*delay, 50*time.Millisecond) {
		if conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second); err == nil {
			conn.Close()
			return nil
		}
		var status syscall.WaitStatus
		if pid, _ := syscall.Wait4(cmd.Process.Pid, &status, syscall.WNOHANG, nil); pid == cmd.Process.Pid {
			k.cmd = nil
			return fmt.Errorf("krb5kdc exited during start-up: %v", status)
		}
		time.Sleep(delay)
	}
	k.stop()
	return errors.New("krb5kdc did not listen within 10s")
}

func (k *KDC) stop() {
	if k.cmd == nil {
		return
	}
	syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
	k.cmd.Wait()
	k.cmd = nil
}

// run runs an MIT tool against this realm.
func (k *KDC) run(prog string, args ...string) error {
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), k.Env()...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(prog), strings.Join(args, " "), err, out.Bytes())
	}
	return nil
}

// AddUser creates the principal name@Realm with password.
func (k *KDC) AddUser(t testing.TB, name, password string) {
	t.Helper()
	if err := k.run(kadminLocalPath, "-q", fmt.Sprintf("addprinc -pw %s %s", password, name)); err != nil {
		t.Fatal(err)
	}
}

// AddService creates each principal (such as host/127.0.0.1) with a
// random key and writes the keys to a new keytab file, whose path it
// returns.
func (k *KDC) AddService(t testing.TB, names ...string) string {
	t.Helper()
	keytab, err := os.CreateTemp(k.Dir, "keytab-")
	if err != nil {
		t.Fatal(err)
	}
	keytab.Close()
	os.Remove(keytab.Name()) // ktadd writes a new file
	for _, name := range names {
		if err := k.run(kadminLocalPath, "-q", "addprinc -randkey "+name); err != nil {
			t.Fatal(err)
		}
		if err := k.run(kadminLocalPath, "-q", fmt.Sprintf("ktadd -k %s %s", keytab.Name(), name)); err != nil {
			t.Fatal(err)
		}
	}
	return keytab.Name()
}

// Kinit gets a ticket-granting ticket for name into the credential cache
// ccache (a path, or TYPE:residual) with kinit, passing it any further
// flags (such as -l 1s).
func (k *KDC) Kinit(t testing.TB, name, password, ccache string, flags ...string) {
	t.Helper()
	cmd := exec.Command(kinitPath, append(append([]string{"-c", ccache}, flags...), name)...)
	cmd.Env = append(os.Environ(), k.Env()...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit %s: %v\n%s", name, err, out)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
