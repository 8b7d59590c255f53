//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// algorithmRig holds keys of every type ssh-keygen makes here, for
// host keys and user keys, and certificates for each from one CA.
type algorithmRig struct {
	dir string
	// knownHosts lists every host key and the CA for [127.0.0.1]:*.
	knownHosts string
}

// rigKeyTypes maps the key type names of ssh -Q key-plain that
// ssh-keygen makes without hardware to its -t and -b.
func rigKeyTypes() map[string][]string {
	return map[string][]string{
		"ssh-ed25519":         {"-t", "ed25519"},
		"ecdsa-sha2-nistp256": {"-t", "ecdsa", "-b", "256"},
		"ecdsa-sha2-nistp384": {"-t", "ecdsa", "-b", "384"},
		"ecdsa-sha2-nistp521": {"-t", "ecdsa", "-b", "521"},
		"ssh-rsa":             {"-t", "rsa", "-b", "2048"},
		"ssh-dss":             {"-t", "dsa"},
	}
}

func sshKeygen(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", append([]string{"-q"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %q: %v\n%s", args, err, out)
	}
}

// newAlgorithmRig makes, for each key type, host_TYPE with a host
// certificate host_TYPE-cert.pub and id_TYPE with a user certificate
// id_TYPE-cert.pub (which ssh and gssh load beside the key), all signed by
// an ed25519 CA.
func newAlgorithmRig(t *testing.T) *algorithmRig {
	t.Helper()
	r := &algorithmRig{dir: t.TempDir()}
	ca := filepath.Join(r.dir, "ca")
	sshKeygen(t, "-t", "ed25519", "-N", "", "-f", ca)
	principals := "root," + sshdtest.TestUser
	if u, err := user.Current(); err == nil {
		principals += "," + u.Username
	}
	caPub := strings.TrimSpace(readFile(t, ca+".pub"))
	known := []string{"@cert-authority [127.0.0.1]:* " + caPub}
	for typ, gen := range rigKeyTypes() {
		for _, role := range []string{"host", "id"} {
			key := filepath.Join(r.dir, role+"_"+typ)
			sshKeygen(t, append(gen, "-N", "", "-f", key)...)
			if role == "host" {
				sshKeygen(t, "-s", ca, "-I", "host", "-h", "-n", "127.0.0.1", key+".pub")
				known = append(known, "[127.0.0.1]:* "+strings.TrimSpace(readFile(t, key+".pub")))
			} else {
				sshKeygen(t, "-s", ca, "-I", "user", "-n", principals, key+".pub")
			}
		}
	}
	r.knownHosts = strings.Join(known, "\n") + "\n"
	return r
}

// keyTypeOf is the key type an algorithm signs with: ssh-rsa for the RSA
// SHA-2 signatures, the plain type for a certificate algorithm.
func keyTypeOf(algo string) string {
	plain := strings.TrimSuffix(algo, "-cert-v01@openssh.com")
	if strings.HasPrefix(plain, "rsa-sha2-") {
		return "ssh-rsa"
	}
	return plain
}

// algorithmKind is one role an algorithm plays: the sshd_config lines
// that make the server offer or accept that algorithm alone, and the
// client option that asks for it alone.
type algorithmKind struct {
	name  string // subtest prefix
	query string // gssh -Q query listing the names
	// server returns sshd_config lines; key is the user key to log in with.
	server func(r *algorithmRig, algo string) (lines []string, key string)
	option string // client keyword set to the algorithm
}

func algorithmKinds() []algorithmKind {
	return []algorithmKind{
		{"cipher", "cipher", func(_ *algorithmRig, a string) ([]string, string) {
			return []string{"Ciphers " + a}, ""
		}, "Ciphers"},
		// A MAC is negotiated only with a cipher that has no
		// authentication of its own.
		{"mac", "mac", func(_ *algorithmRig, a string) ([]string, string) {
			return []string{"Ciphers aes128-ctr", "MACs " + a}, ""
		}, "MACs"},
		{"kex", "kex", func(_ *algorithmRig, a string) ([]string, string) {
			return []string{"KexAlgorithms " + a}, ""
		}, "KexAlgorithms"},
		{"hostkey", "HostKeyAlgorithms", func(r *algorithmRig, a string) ([]string, string) {
			key := filepath.Join(r.dir, "host_"+keyTypeOf(a))
			lines := []string{"HostKey " + key, "HostKeyAlgorithms " + a}
			if strings.Contains(a, "-cert-") {
				lines = append(lines, "HostCertificate "+key+"-cert.pub")
			}
			return lines, ""
		}, "HostKeyAlgorithms"},
		{"userkey", "PubkeyAcceptedAlgorithms", func(r *algorithmRig, a string) ([]string, string) {
			return []string{"PubkeyAcceptedAlgorithms " + a, "TrustedUserCAKeys " + filepath.Join(r.dir, "ca.pub")},
				filepath.Join(r.dir, "id_"+keyTypeOf(a))
		}, "PubkeyAcceptedAlgorithms"},
	}
}

// queryLines is what `gssh -Q what` prints, one name a line.
func queryLines(t *testing.T, what string) []string {
	t.Helper()
	r := gssh(t, nil, "-Q", what)
	if r.code != 0 {
		t.Fatalf("gssh -Q %s: exit %d: %s", what, r.code, r.stderr)
	}
	return strings.Fields(r.stdout)
}

// algorithmRun starts sshd as kind wants it for algo, authorizes the rig's
// user keys, and runs prog (ssh or gssh) asking for algo alone, with
// extra options before the destination.
func algorithmRun(t *testing.T, r *algorithmRig, kind algorithmKind, algo string, progs ...string) (*sshdtest.Server, []result) {
	t.Helper()
	lines, key := kind.server(r, algo)
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: lines})
	if key == "" {
		key = s.UserKey
	} else {
		f, err := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(readFile(t, key+".pub"))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	known := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, known, r.knownHosts+s.KnownHostsLine()+"\n")
	login := "root"
	if u, err := user.Current(); err == nil {
		login = u.Username
	}
	args := []string{"-F", "none", "-p", strconv.Itoa(s.Port), "-l", login, "-i", key,
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + known, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", kind.option + "=" + algo, s.Host, "echo", "ok"}
	var out []result
	for _, prog := range progs {
		out = append(out, runClient(t, prog, nil, nil, args...))
	}
	return s, out
}

// TestQueryAlgorithmsComplete connects gssh, and /usr/bin/ssh beside it,
// to an sshd that offers (or, for user keys, accepts) one algorithm only,
// for every name gssh -Q lists: each cipher, MAC and key exchange, and
// each key-sig algorithm both as host key (with a host key or host
// certificate of its type made by ssh-keygen) and as user key (a key or
// user certificate of its type). The names come from gssh's own -Q, so a
// name listed later is tested without a change here. The smaller queries
// must list nothing that is not tested here.
func TestQueryAlgorithmsComplete(t *testing.T) {
	for parent, subsets := range map[string][]string{
		"cipher":  {"cipher-auth"},
		"key-sig": {"key", "key-cert", "key-plain", "sig", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms"},
	} {
		tested := queryLines(t, parent)
		for _, q := range subsets {
			for _, name := range queryLines(t, q) {
				if !slices.Contains(tested, name) {
					t.Errorf("-Q %s lists %s, which -Q %s (tested below) does not", q, name, parent)
				}
			}
		}
	}
	r := newAlgorithmRig(t)
	for _, kind := range algorithmKinds() {
		for _, algo := range queryLines(t, kind.query) {
			t.Run(kind.name+"/"+algo, func(t *testing.T) {
				t.Parallel() // each has its own sshd; the rig is read only
				_, out := algorithmRun(t, r, kind, algo, sshPath, gsshBin)
				for i, prog := range []string{"ssh", "gssh"} {
					if out[i].code != 0 || out[i].stdout != "ok\n" {
						t.Errorf("%s with %s=%s against sshd offering only it: exit %d, stdout %q, stderr:\n%s",
							prog, kind.option, algo, out[i].code, out[i].stdout, out[i].stderr)
					}
				}
			})
		}
	}
}

// TestQueryUnlistedAlgorithmsFail is the other half of "-Q lists exactly
// what gssh completes": every name ssh 9.2 lists that gssh does not is
// tried the same way, and must work with ssh and fail with gssh, at
// negotiation with ssh's message, or (a DSA user key, which x/crypto
// cannot load) with ssh's "Permission denied". The security-key
// algorithms are the exception, as no key of theirs can be made here;
// docs/algorithms.md says why they are not listed.
func TestQueryUnlistedAlgorithmsFail(t *testing.T) {
	r := newAlgorithmRig(t)
	for _, kind := range algorithmKinds() {
		theirs, code := runSSH(t, []string{"-Q", kind.query})
		if code != 0 {
			t.Fatalf("ssh -Q %s: exit %d", kind.query, code)
		}
		ours := queryLines(t, kind.query)
		for _, algo := range strings.Fields(theirs) {
			if slices.Contains(ours, algo) {
				continue
			}
			if strings.HasPrefix(algo, "sk-") || strings.HasPrefix(algo, "webauthn-sk-") {
				continue // needs a FIDO authenticator
			}
			t.Run(kind.name+"/"+algo, func(t *testing.T) {
				t.Parallel()
				s, out := algorithmRun(t, r, kind, algo, sshPath, gsshBin)
				if out[0].code != 0 || out[0].stdout != "ok\n" {
					t.Fatalf("ssh with %s=%s: exit %d, stderr:\n%s", kind.option, algo, out[0].code, out[0].stderr)
				}
				want := regexp.MustCompile(fmt.Sprintf(`^Unable to negotiate with 127\.0\.0\.1 port %d: no matching [A-Za-z ]+ found\. Their offer: %s(,kex-strict-s-v00@openssh\.com)?\r?\n$`,
					s.Port, regexp.QuoteMeta(algo)))
				if kind.name == "userkey" {
					want = regexp.MustCompile(`(?m)^\S+@127\.0\.0\.1: Permission denied \(publickey,password\)\.\r?$`)
				}
				if out[1].code != 255 || !want.MatchString(out[1].stderr) {
					t.Errorf("gssh with %s=%s (not in its -Q %s): exit %d, stderr %q, want 255 and %s",
						kind.option, algo, kind.query, out[1].code, out[1].stderr, want)
				}
			})
		}
	}
}

// TestUnsupportedAlgorithmOnlyGetsSSHError: a configuration that asks
// only for algorithms gssh cannot use is still accepted where ssh 9.2
// accepts it (-G prints it as ssh does, -c and -m take the names), and
// connecting fails with ssh's own error: byte for byte what ssh prints
// against a server that offers none of them either, exit 255.
func TestUnsupportedAlgorithmOnlyGetsSSHError(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{
		"Ciphers aes128-ctr", "MACs hmac-sha2-256", "KexAlgorithms curve25519-sha256"}})
	cases := [][]string{
		{"-c", "aes256-cbc"},
		{"-o", "Ciphers=aes192-cbc,aes256-cbc"},
		{"-c", "aes128-ctr", "-m", "umac-64@openssh.com"},
		{"-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-md5,hmac-sha1-etm@openssh.com"},
		{"-o", "KexAlgorithms=sntrup761x25519-sha512@openssh.com"},
		{"-o", "KexAlgorithms=diffie-hellman-group18-sha512"},
		{"-o", "HostKeyAlgorithms=ssh-dss"},
		{"-o", "HostKeyAlgorithms=ssh-dss-cert-v01@openssh.com,ssh-dss"},
	}
	// gssh's keepalive default is a known -G deviation
	// (docs/compatibility.md).
	keepalive := regexp.MustCompile(`(?m)^serveraliveinterval .*\n`)
	for _, opts := range cases {
		t.Run(strings.Join(opts, " "), func(t *testing.T) {
			g := func(prog string) result {
				r := runClient(t, prog, nil, nil, append([]string{"-G", "-F", "none"}, append(opts, "host", "true")...)...)
				r.stdout = keepalive.ReplaceAllString(r.stdout, "")
				return r
			}
			if ours, theirs := g(gsshBin), g(sshPath); ours.code != 0 || ours.stdout != theirs.stdout || ours.stderr != theirs.stderr {
				t.Errorf("-G: gssh exit %d, stderr %q; ssh exit %d, stderr %q; stdout equal: %v",
					ours.code, ours.stderr, theirs.code, theirs.stderr, ours.stdout == theirs.stdout)
			}
			args := append(append([]string{"-F", s.ClientConfig}, opts...), "sshd", "true")
			theirs := runClient(t, sshPath, nil, nil, args...)
			ours := runClient(t, gsshBin, nil, nil, args...)
			if theirs.code != 255 || !strings.HasPrefix(theirs.stderr, "Unable to negotiate with ") {
				t.Fatalf("ssh: exit %d, stderr %q; want a negotiation failure", theirs.code, theirs.stderr)
			}
			if ours.code != theirs.code || ours.stderr != theirs.stderr {
				t.Errorf("gssh: exit %d, stderr %q; ssh: exit %d, stderr %q", ours.code, ours.stderr, theirs.code, theirs.stderr)
			}
		})
	}
}
