//go:build unix

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/sshdtest"
)

func authorizedLine(t *testing.T, key any) string {
	t.Helper()
	pub, err := ssh.NewPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// shortRSALine is a 768-bit RSA public key, which OpenSSH skips in a key
// list ("Invalid key length") rather than failing on.
func shortRSALine(t *testing.T) string {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 767))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, 767, 1).SetBit(n, 0, 1)
	return authorizedLine(t, &rsa.PublicKey{N: n, E: 65537})
}

func rsaLine(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedLine(t, &k.PublicKey)
}

func ecdsaLine(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return authorizedLine(t, &k.PublicKey)
}

// certServer is an sshd presenting, besides the harness's ed25519 host
// key, a host key of the type asked for and its certificate (serial 42,
// key ID "hostid", principal 127.0.0.1) signed by the ed25519 CA in
// dir/ca.
type certServer struct {
	*sshdtest.Server
	dir string // the CA, host key and certificate
}

func startCertServer(t *testing.T, hostKeyType string) *certServer {
	t.Helper()
	dir := t.TempDir()
	for k, typ := range map[string]string{"ca": "ed25519", "host": hostKeyType} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", typ, "-N", "", "-C", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-s", filepath.Join(dir, "ca"), "-I", "hostid", "-h",
		"-n", "127.0.0.1", "-z", "42", filepath.Join(dir, "host.pub")).CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	s := sshdtest.Start(t, sshdtest.Options{ExtraConfig: []string{
		"HostKey " + filepath.Join(dir, "host"), "HostCertificate " + filepath.Join(dir, "host-cert.pub"),
	}})
	return &certServer{Server: s, dir: dir}
}

func (s *certServer) pub(t *testing.T, name string) string {
	t.Helper()
	return strings.TrimSpace(readFile(t, filepath.Join(s.dir, name+".pub")))
}

// krl runs ssh-keygen -k with args and a specification file, returning
// the KRL's path.
func (s *certServer) krl(t *testing.T, name string, args []string, spec ...string) string {
	t.Helper()
	out := filepath.Join(s.dir, name)
	specFile := out + ".spec"
	writeFile(t, specFile, strings.Join(spec, "\n")+"\n")
	args = append(append([]string{"-q", "-k", "-f", out}, args...), specFile)
	if b, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %q: %v\n%s", args, err, b)
	}
	return out
}

// TestRevokedHostKeysLikeOpenSSH: a host key revoked by a KRL or a plain
// list in RevokedHostKeys, or by @revoked for its CA in known_hosts, is
// refused with ssh's words and status; an unreadable or corrupt file
// fails the connection as ssh does; a file that does not list the key
// lets it through.
func TestRevokedHostKeysLikeOpenSSH(t *testing.T) {
	s := startCertServer(t, "ed25519")
	caKnown := filepath.Join(s.dir, "known_ca")
	writeFile(t, caKnown, "@cert-authority * "+s.pub(t, "ca")+"\n")
	revokedCA := filepath.Join(s.dir, "known_revoked_ca")
	writeFile(t, revokedCA, "@cert-authority * "+s.pub(t, "ca")+"\n@revoked * "+s.pub(t, "ca")+"\n")
	onlyRevokedCA := filepath.Join(s.dir, "known_only_revoked_ca")
	writeFile(t, onlyRevokedCA, "@revoked * "+s.pub(t, "ca")+"\n")
	plainAndRevokedCA := filepath.Join(s.dir, "known_plain_revoked_ca")
	writeFile(t, plainAndRevokedCA, fmt.Sprintf("[127.0.0.1]:%d %s\n@revoked * %s\n", s.Port, s.pub(t, "host"), s.pub(t, "ca")))

	caFile := filepath.Join(s.dir, "ca.pub")
	hostList := filepath.Join(s.dir, "list_host")
	writeFile(t, hostList, "# revoked hosts\n\n   "+s.pub(t, "host")+" old host\n")
	caList := filepath.Join(s.dir, "list_ca")
	writeFile(t, caList, s.pub(t, "ca")+"\n")
	otherList := filepath.Join(s.dir, "list_other")
	writeFile(t, otherList, "# nothing of ours\n"+s.KnownHostsLine()[strings.Index(s.KnownHostsLine(), " ")+1:]+"\n")
	corruptList := filepath.Join(s.dir, "list_corrupt")
	writeFile(t, corruptList, "not a key at all\n")
	hostFields := strings.Fields(s.pub(t, "host"))
	lists := map[string]string{
		"short RSA key skipped":  shortRSALine(t) + "\n" + s.pub(t, "host") + "\n",
		"bad line first":         "garbage\n" + s.pub(t, "host") + "\n",
		"bad line after the key": s.pub(t, "host") + "\ngarbage\n",
		"CRLF lines":             "# hosts\r\n" + s.pub(t, "host") + " c\r\n",
		"blank CRLF line":        "\r\n" + s.pub(t, "host") + "\r\n",
		"the certificate":        s.pub(t, "host-cert") + "\n",
		"NUL starts a line":      "\x00junk\n\t" + s.pub(t, "host"),
		"type name mismatch":     "ssh-rsa " + hostFields[1] + "\n",
		"curve mismatch":         strings.Replace(ecdsaLine(t), "nistp256", "nistp384", 1) + "\n",
		"sha2 name for RSA key":  strings.Replace(rsaLine(t), "ssh-rsa", "rsa-sha2-512", 1) + "\n",
		"options prefix":         "cert-authority " + s.pub(t, "host") + "\n",
		"bad base64":             hostFields[0] + " " + hostFields[1][:len(hostFields[1])-3] + "\n",
		"unknown key type":       "ssh-foo " + hostFields[1] + "\n",
	}
	listFile := func(name string) string {
		p := filepath.Join(s.dir, "list_"+strings.ReplaceAll(name, " ", "_"))
		writeFile(t, p, lists[name])
		return p
	}
	serialKRL := s.krl(t, "krl_serial", []string{"-s", caFile}, "serial: 42")
	truncated := filepath.Join(s.dir, "krl_truncated")
	writeFile(t, truncated, readFile(t, serialKRL)[:60])

	cases := []struct {
		name  string
		extra []string
		ok    bool // the connection must succeed
	}{
		{"KRL of the host key", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_key", nil, "key: "+s.pub(t, "host"))}, false},
		{"KRL of the certificate serial", []string{"-o", "RevokedHostKeys=" + serialKRL}, false},
		{"KRL of a serial range", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_range", []string{"-s", caFile}, "serial: 40-50")}, false},
		{"KRL of the key ID", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_id", []string{"-s", caFile}, "id: hostid")}, false},
		{"KRL of the key ID under any CA", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_wild", []string{"-s", "none"}, "id: hostid")}, false},
		{"KRL of the CA key", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_ca", nil, "key: "+s.pub(t, "ca"))}, false},
		{"KRL of the host key SHA256", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_sha256", nil, "sha256: "+s.pub(t, "host"))}, false},
		{"KRL of the host key SHA1", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_sha1", nil, "sha1: "+s.pub(t, "host"))}, false},
		{"KRL and StrictHostKeyChecking=no", []string{"-o", "RevokedHostKeys=" + serialKRL, "-o", "StrictHostKeyChecking=no"}, false},
		{"KRL and MD5 fingerprints", []string{"-o", "RevokedHostKeys=" + serialKRL, "-o", "FingerprintHash=md5"}, false},
		{"KRL, quiet", []string{"-q", "-o", "RevokedHostKeys=" + serialKRL}, false},
		{"plain list of the host key", []string{"-o", "RevokedHostKeys=" + hostList}, false},
		{"plain list of the CA key", []string{"-o", "RevokedHostKeys=" + caList}, false},
		{"missing file", []string{"-o", "RevokedHostKeys=" + filepath.Join(s.dir, "missing")}, false},
		{"directory", []string{"-o", "RevokedHostKeys=" + s.dir}, false},
		{"tilde is not expanded", []string{"-o", "RevokedHostKeys=~/krl_serial"}, false},
		{"truncated KRL", []string{"-o", "RevokedHostKeys=" + truncated}, false},
		{"corrupt list", []string{"-o", "RevokedHostKeys=" + corruptList}, false},
		{"list: short RSA key skipped", []string{"-o", "RevokedHostKeys=" + listFile("short RSA key skipped")}, false},
		{"list: bad line first", []string{"-o", "RevokedHostKeys=" + listFile("bad line first")}, false},
		{"list: bad line after the key", []string{"-o", "RevokedHostKeys=" + listFile("bad line after the key")}, false},
		{"list: CRLF lines", []string{"-o", "RevokedHostKeys=" + listFile("CRLF lines")}, false},
		{"list: blank CRLF line", []string{"-o", "RevokedHostKeys=" + listFile("blank CRLF line")}, false},
		{"list: the certificate", []string{"-o", "RevokedHostKeys=" + listFile("the certificate")}, false},
		{"list: NUL starts a line", []string{"-o", "RevokedHostKeys=" + listFile("NUL starts a line")}, false},
		{"list: type name mismatch", []string{"-o", "RevokedHostKeys=" + listFile("type name mismatch")}, false},
		{"list: curve mismatch", []string{"-o", "RevokedHostKeys=" + listFile("curve mismatch")}, false},
		{"list: options prefix", []string{"-o", "RevokedHostKeys=" + listFile("options prefix")}, false},
		{"list: bad base64", []string{"-o", "RevokedHostKeys=" + listFile("bad base64")}, false},
		{"list: unknown key type", []string{"-o", "RevokedHostKeys=" + listFile("unknown key type")}, false},
		{"list: sha2 name for RSA key", []string{"-o", "RevokedHostKeys=" + listFile("sha2 name for RSA key")}, true},
		{"@revoked CA in known_hosts", []string{"-o", "UserKnownHostsFile=" + revokedCA}, false},
		{"@revoked CA alone in known_hosts", []string{"-o", "UserKnownHostsFile=" + onlyRevokedCA}, false},
		{"@revoked CA in the global file", []string{"-o", "GlobalKnownHostsFile=" + revokedCA}, false},
		{"@revoked CA, host key known", []string{"-o", "UserKnownHostsFile=" + plainAndRevokedCA,
			"-o", "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com,ssh-ed25519"}, false},
		{"KRL of another serial", []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_43", []string{"-s", caFile}, "serial: 43", "id: other")}, true},
		{"plain list of another key", []string{"-o", "RevokedHostKeys=" + otherList}, true},
	}
	home := []string{"HOME=" + s.dir}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// ssh takes the first value of an option: the case's own
			// UserKnownHostsFile or StrictHostKeyChecking come first.
			args := append(append([]string{}, c.extra...), "-F", "none", "-p", fmt.Sprint(s.Port),
				"-o", "UserKnownHostsFile="+caKnown, "-o", "GlobalKnownHostsFile=/dev/null",
				"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
				"-o", "IdentityAgent=none", "-i", s.UserKey, "127.0.0.1", "echo ok")
			want := runClient(t, "/usr/bin/ssh", nil, home, args...)
			got := runClient(t, gsshBin, nil, home, args...)
			assertNoPanic(t, got)
			if c.ok != (want.code == 0) {
				t.Fatalf("ssh: exit %d, stderr %q", want.code, want.stderr)
			}
			if got.code != want.code || got.stderr != asGssh(want.stderr) || got.stdout != want.stdout {
				t.Errorf("gssh: exit %d stdout %q stderr %q\n ssh: exit %d stdout %q stderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
		})
	}
	if _, err := os.Stat("~"); err == nil {
		t.Fatal(`a "~" directory in the test's working directory spoils the tilde case`)
	}
}

// TestRevokedCertificatePlainKnownLikeOpenSSH: with only the server's
// plain key in known_hosts, ssh still offers the certificate algorithms
// of that key's type first (sshconnect2.c order_hostkeyalgs looks known
// keys up by their plain type), so the server presents its certificate
// and every revocation of it applies: @revoked for its CA or its key, a
// RevokedHostKeys KRL by serial, key ID or CA. Unrevoked, the
// certificate, whose CA is not known, is checked as the plain key inside
// it ("No matching CA found. Retry with plain key") and the login goes
// on; another key of that type known makes it a changed key. gssh once
// offered plain algorithms first: it got the plain key and connected to
// hosts ssh refuses (ECDSA, RSA), or got sshd's other ed25519 key and
// refused one ssh accepts.
func TestRevokedCertificatePlainKnownLikeOpenSSH(t *testing.T) {
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		t.Run(typ, func(t *testing.T) {
			s := startCertServer(t, typ)
			other := filepath.Join(s.dir, "other")
			if out, err := exec.Command("ssh-keygen", "-q", "-t", typ, "-N", "", "-C", "", "-f", other).CombinedOutput(); err != nil {
				t.Fatalf("ssh-keygen: %v\n%s", err, out)
			}
			name := fmt.Sprintf("[127.0.0.1]:%d", s.Port)
			known := func(file string, lines ...string) string {
				p := filepath.Join(s.dir, file)
				writeFile(t, p, strings.Join(lines, "\n")+"\n")
				return p
			}
			plain := known("known_plain", name+" "+s.pub(t, "host"))
			caFile := filepath.Join(s.dir, "ca.pub")
			cases := []struct {
				name  string
				known string
				extra []string
				ok    bool // the connection must succeed
			}{
				{"not revoked", plain, nil, true},
				{"@revoked CA", known("known_revoked_ca", name+" "+s.pub(t, "host"), "@revoked * "+s.pub(t, "ca")), nil, false},
				{"@revoked host key", known("known_revoked_key", name+" "+s.pub(t, "host"), "@revoked * "+s.pub(t, "host")), nil, false},
				{"KRL of the serial", plain, []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_serial", []string{"-s", caFile}, "serial: 42")}, false},
				{"KRL of the key ID", plain, []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_id", []string{"-s", caFile}, "id: hostid")}, false},
				{"KRL of the CA", plain, []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_ca", nil, "key: "+s.pub(t, "ca"))}, false},
				{"KRL of another serial", plain, []string{"-o", "RevokedHostKeys=" + s.krl(t, "krl_43", []string{"-s", caFile}, "serial: 43")}, true},
				{"another key known", known("known_other", name+" "+s.pub(t, "other")), nil, false},
			}
			home := []string{"HOME=" + s.dir}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					args := append(append([]string{}, c.extra...), "-F", "none", "-p", fmt.Sprint(s.Port),
						"-o", "UserKnownHostsFile="+c.known, "-o", "GlobalKnownHostsFile=/dev/null",
						"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
						"-o", "IdentityAgent=none", "-i", s.UserKey, "127.0.0.1", "echo ok")
					want := runClient(t, "/usr/bin/ssh", nil, home, args...)
					got := runClient(t, gsshBin, nil, home, args...)
					assertNoPanic(t, got)
					if c.ok != (want.code == 0) {
						t.Fatalf("ssh: exit %d, stderr %q", want.code, want.stderr)
					}
					if got.code != want.code || got.stderr != asGssh(want.stderr) || got.stdout != want.stdout {
						t.Errorf("gssh: exit %d stdout %q stderr %q\n ssh: exit %d stdout %q stderr %q",
							got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
					}
				})
			}
		})
	}
}
