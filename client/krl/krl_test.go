package krl_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/krl"
)

// keySet is a set of keys and certificates made with ssh-keygen, each
// with its .pub file, to be checked against KRLs.
type keySet struct {
	dir   string
	names []string // in order of creation
	pubs  map[string]ssh.PublicKey
}

func keygen(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("ssh-keygen", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen %q: %v\n%s", args, err, out)
	}
	return out
}

func (ks *keySet) path(name string) string { return filepath.Join(ks.dir, name) }

func (ks *keySet) load(t testing.TB, name string) {
	t.Helper()
	data, err := os.ReadFile(ks.path(name) + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	ks.names = append(ks.names, name)
	ks.pubs[name] = key
}

// key makes a plain key of the given type.
func (ks *keySet) key(t testing.TB, name, typ string, extra ...string) {
	t.Helper()
	keygen(t, append([]string{"-q", "-t", typ, "-N", "", "-C", "", "-f", ks.path(name)}, extra...)...)
	ks.load(t, name)
}

// cert signs key's public half with ca as a host certificate.
func (ks *keySet) cert(t testing.TB, name, key, ca string, serial uint64, id string) {
	t.Helper()
	pub, err := os.ReadFile(ks.path(key) + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ks.path(name)+".pub", pub, 0o644); err != nil {
		t.Fatal(err)
	}
	keygen(t, "-q", "-s", ks.path(ca), "-I", id, "-h", "-n", "host.example", "-z", fmt.Sprint(serial), ks.path(name)+".pub")
	if err := os.Rename(ks.path(name)+"-cert.pub", ks.path(name)+".pub"); err != nil {
		t.Fatal(err)
	}
	ks.load(t, name)
}

// newKeySet makes the keys every test shares: plain keys of three types,
// two CAs, and certificates by serial, zero serial and key ID.
func newKeySet(t testing.TB) *keySet {
	t.Helper()
	ks := &keySet{dir: t.TempDir(), pubs: map[string]ssh.PublicKey{}}
	ks.key(t, "ed", "ed25519")
	ks.key(t, "ec", "ecdsa", "-b", "384")
	ks.key(t, "rsa", "rsa", "-b", "2048")
	ks.key(t, "ca1", "ed25519")
	ks.key(t, "ca2", "ecdsa")
	ks.cert(t, "ed-ca1-5", "ed", "ca1", 5, "host1")
	ks.cert(t, "ed-ca1-15", "ed", "ca1", 15, "h15")
	ks.cert(t, "ec-ca1-0", "ec", "ca1", 0, "zero")
	ks.cert(t, "ec-ca2-5", "ec", "ca2", 5, "host1")
	ks.cert(t, "rsa-ca2-7", "rsa", "ca2", 7, "wild")
	ks.cert(t, "ed-ca2-130", "ed", "ca2", 130, "b130")
	ks.cert(t, "rsa-ca1-big", "rsa", "ca1", 1<<63+9, "big")
	ks.cert(t, "rsa-ca1-max", "rsa", "ca1", 1<<64-1, "max")
	return ks
}

// oracle runs ssh-keygen -Q: for every key, whether OpenSSH says the KRL
// revokes it, or the reason it gives for refusing the KRL.
func (ks *keySet) oracle(t testing.TB, krlFile string) (map[string]bool, string) {
	t.Helper()
	args := []string{"-Q", "-f", krlFile}
	for _, n := range ks.names {
		args = append(args, ks.path(n)+".pub")
	}
	out, _ := exec.Command("ssh-keygen", args...).CombinedOutput()
	// A refused KRL ends in fatal()'s line, after any error() lines.
	if _, msg, ok := strings.Cut(string(out), "Invalid KRL file "+krlFile+": "); ok {
		return nil, strings.TrimRight(msg, "\r\n")
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		for _, n := range ks.names {
			if !strings.HasPrefix(line, ks.path(n)+".pub ") {
				continue
			}
			switch {
			case strings.HasSuffix(line, ": REVOKED"):
				got[n] = true
			case strings.HasSuffix(line, ": ok"):
				got[n] = false
			default:
				t.Fatalf("ssh-keygen -Q: %q", line)
			}
		}
	}
	if len(got) != len(ks.names) {
		t.Fatalf("ssh-keygen -Q answered for %d of %d keys:\n%s", len(got), len(ks.names), out)
	}
	return got, ""
}

// compare checks Parse and Revoked against ssh-keygen -Q for every key.
func (ks *keySet) compare(t testing.TB, krlFile string) (revoked int) {
	t.Helper()
	data, err := os.ReadFile(krlFile)
	if err != nil {
		t.Fatal(err)
	}
	want, reason := ks.oracle(t, krlFile)
	l, err := krl.Parse(data)
	if reason != "" {
		fe, ok := err.(*krl.FormatError)
		if !ok || fe.Reason != reason {
			t.Fatalf("Parse: got %v, ssh-keygen refuses the KRL with %q", err, reason)
		}
		return 0
	}
	if err != nil {
		t.Fatalf("Parse: %v; ssh-keygen accepts the KRL", err)
	}
	for _, n := range ks.names {
		if got := l.Revoked(ks.pubs[n]); got != want[n] {
			t.Errorf("%s: Revoked %v, ssh-keygen -Q says %v", n, got, want[n])
		}
		if c, err := krl.Check(data, ks.pubs[n]); err != nil || c != want[n] {
			t.Errorf("%s: Check %v %v, ssh-keygen -Q says %v", n, c, err, want[n])
		}
		if want[n] {
			revoked++
		}
	}
	return revoked
}

// spec writes a KRL specification file.
func (ks *keySet) spec(t testing.TB, name string, lines ...string) string {
	t.Helper()
	p := ks.path(name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (ks *keySet) pubLine(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ks.pubs[name])))
}

// TestParseMatchesSSHKeygen builds KRLs with every kind of entry
// ssh-keygen -k writes and checks each key against ssh-keygen -Q.
func TestParseMatchesSSHKeygen(t *testing.T) {
	ks := newKeySet(t)
	fp := func(name string) string { return ssh.FingerprintSHA256(ks.pubs[name]) }
	sparse := []string{}
	for s := 200; s <= 400; s += 3 {
		sparse = append(sparse, fmt.Sprintf("serial: %d", s))
	}
	cases := []struct {
		name        string
		args        []string // before the input files
		inputs      [][]string
		wantRevoked int
	}{
		{"plain keys and certificates as input", nil, [][]string{{"@ed.pub", "@ec-ca1-0.pub", "@rsa-ca2-7.pub"}}, 6},
		{"serial list", []string{"-s", "@ca1.pub"}, [][]string{{"serial: 5", "serial: 15", "serial: 99"}}, 2},
		{"serial range", []string{"-s", "@ca1.pub"}, [][]string{{"serial: 10-0x20"}}, 1},
		{"serial range to the last serial", []string{"-s", "@ca1.pub"}, [][]string{{"serial: 0x8000000000000000-0xffffffffffffffff"}}, 2},
		{"serial bitmap", []string{"-s", "@ca2.pub"}, [][]string{append([]string{"serial: 127", "serial: 130", "serial: 132"}, sparse...)}, 1},
		{"serials mixed", []string{"-s", "@ca2.pub"}, [][]string{{"serial: 1-3", "serial: 5", "serial: 7", "serial: 9", "serial: 1000-2000"}}, 2},
		{"key id", []string{"-s", "@ca1.pub"}, [][]string{{"id: host1", "id: zero", "id: nothere"}}, 2},
		{"wildcard CA serial and id", []string{"-s", "none"}, [][]string{{"serial: 5", "id: wild"}}, 3},
		{"explicit key", nil, [][]string{{"key: " + "@@ed"}}, 4},
		{"explicit key given as certificate", nil, [][]string{{"key: " + "@@ec-ca2-5"}}, 3},
		{"sha1", nil, [][]string{{"sha1: " + "@@rsa"}}, 4},
		{"sha256", nil, [][]string{{"sha256: " + "@@ec"}}, 3},
		{"hash fingerprint", nil, [][]string{{"hash: " + fp("ed")}}, 4},
		{"CA key revokes its certificates", nil, [][]string{{"key: " + "@@ca1"}}, 6},
		{"CA by sha256", nil, [][]string{{"sha256: " + "@@ca2"}}, 4},
		{"version and comment", []string{"-z", "77", "-s", "@ca1.pub"}, [][]string{{"serial: 15"}}, 1},
		{"several files and CAs", []string{"-s", "@ca1.pub"}, [][]string{{"serial: 15", "id: big"}, {"key: " + "@@ca2"}}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "krl")
			args := []string{"-q", "-k", "-f", out}
			for _, a := range c.args {
				if name, ok := strings.CutPrefix(a, "@"); ok {
					a = ks.path(name)
				}
				args = append(args, a)
			}
			for i, lines := range c.inputs {
				if len(lines) > 0 && strings.HasPrefix(lines[0], "@") && !strings.HasPrefix(lines[0], "@@") {
					for _, f := range lines {
						args = append(args, ks.path(strings.TrimPrefix(f, "@")))
					}
					continue
				}
				var spec []string
				for _, l := range lines {
					if pre, name, ok := strings.Cut(l, "@@"); ok {
						l = pre + ks.pubLine(t, name)
					}
					spec = append(spec, l)
				}
				args = append(args, ks.spec(t, fmt.Sprintf("spec%d", i), spec...))
			}
			keygen(t, args...)
			if got := ks.compare(t, out); got != c.wantRevoked {
				t.Errorf("%d keys revoked, want %d", got, c.wantRevoked)
			}
			if c.name == "version and comment" {
				data, _ := os.ReadFile(out)
				l, _ := krl.Parse(data)
				if l.Version != 77 || l.GeneratedDate == 0 {
					t.Errorf("header: version %d, date %d", l.Version, l.GeneratedDate)
				}
			}
		})
	}
}

// TestUpdateMergesLikeSSHKeygen: -u adds to an existing KRL.
func TestUpdateMergesLikeSSHKeygen(t *testing.T) {
	ks := newKeySet(t)
	out := filepath.Join(t.TempDir(), "krl")
	keygen(t, "-q", "-k", "-f", out, "-s", ks.path("ca1.pub"), ks.spec(t, "a", "serial: 5"))
	keygen(t, "-q", "-k", "-u", "-f", out, "-s", ks.path("ca2.pub"), ks.spec(t, "b", "serial: 7", "id: b130"))
	keygen(t, "-q", "-k", "-u", "-f", out, ks.spec(t, "c", "sha256: "+ks.pubLine(t, "ec")))
	if got := ks.compare(t, out); got != 6 {
		t.Errorf("%d keys revoked, want 6", got)
	}
}
