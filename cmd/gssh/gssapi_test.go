//go:build unix

package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/kdctest"
	"github.com/gssh/gssh/internal/sshdtest"
)

// The GSSAPI tests run a private MIT realm (internal/kdctest), an sshd
// accepting gssapi-with-mic with a keytab from it, and a ticket from
// kinit; /usr/bin/ssh and gssh log in side by side with the same
// environment (KRB5_CONFIG, KRB5CCNAME) and must end the same way.

// kerberosRig is a realm, an sshd accepting GSSAPI with a keytab of the
// given service principals, and a ticket cache holding the local user's
// TGT.
type kerberosRig struct {
	kdc  *kdctest.KDC
	sshd *sshdtest.Server
	user string
	// env points ssh and gssh at the realm and the ticket cache.
	env []string
}

// kerberosPassword is every test principal's password.
const kerberosPassword = "user-pw"

// startKerberos sets up a kerberosRig. The user's principal is the local
// login name, which sshd's default auth_to_local maps back to the account
// ("sshd" in the server's ClientConfig logs in as the current user).
// GSSAPIStrictAcceptorCheck is off so that sshd accepts a ticket for any
// service in its keytab, whatever this machine's own host name.
func startKerberos(t *testing.T, services ...string) *kerberosRig {
	t.Helper()
	return startKerberosWith(t, nil, services...)
}

// startKerberosWith is startKerberos with extra sshd_config lines.
func startKerberosWith(t *testing.T, sshdConfig []string, services ...string) *kerberosRig {
	t.Helper()
	kdc := kdctest.Start(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	kdc.AddUser(t, u.Username, kerberosPassword)
	keytab := kdc.AddService(t, services...)
	s := sshdtest.Start(t, sshdtest.Options{
		ExtraConfig: append([]string{"GSSAPIAuthentication yes", "GSSAPIStrictAcceptorCheck no"}, sshdConfig...),
		Env:         append(kdc.Env(), "KRB5_KTNAME=FILE:"+keytab),
	})
	cc := filepath.Join(t.TempDir(), "ccache")
	kdc.Kinit(t, u.Username, kerberosPassword, cc)
	return &kerberosRig{kdc: kdc, sshd: s, user: u.Username, env: append(kdc.Env(), "KRB5CCNAME=FILE:"+cc)}
}

// gssapiOnly are the options that make both clients try Kerberos alone.
var gssapiOnly = []string{"-o", "GSSAPIAuthentication=yes", "-o", "PreferredAuthentications=gssapi-with-mic"}

// both runs ssh and gssh with the same arguments and environment and
// fails the test unless stdout, stderr (with gssh's name) and the exit
// status agree; it returns gssh's result.
func (r *kerberosRig) both(t *testing.T, env []string, args ...string) result {
	t.Helper()
	args = append([]string{"-F", r.sshd.ClientConfig}, args...)
	want := runClient(t, "/usr/bin/ssh", nil, env, args...)
	want.stderr = asGssh(want.stderr)
	got := runClient(t, gsshBin, nil, env, args...)
	assertNoPanic(t, got)
	if got != want {
		t.Fatalf("%q:\n gssh %+v\n  ssh %+v", args, got, want)
	}
	return got
}

// acceptedWith counts sshd's "Accepted METHOD for USER" log lines.
func (r *kerberosRig) acceptedWith(t *testing.T, method string) int {
	t.Helper()
	return strings.Count(readLog(t, r.sshd), "Accepted "+method+" for "+r.user+" ")
}

// TestGSSAPILoginMatchesOpenSSH: with a ticket in a FILE: cache, both log
// in with gssapi-with-mic alone (no key is offered), run the command and
// exit 0; sshd logs both logins as gssapi-with-mic. The plain-path form
// of KRB5CCNAME works the same.
func TestGSSAPILoginMatchesOpenSSH(t *testing.T) {
	r := startKerberos(t, "host/127.0.0.1")
	args := append(append([]string{}, gssapiOnly...), "sshd", "echo", "ok")
	if got := r.both(t, r.env, args...); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("gssh %+v, want ok and 0", got)
	}
	if n := r.acceptedWith(t, "gssapi-with-mic"); n != 2 {
		t.Fatalf("sshd accepted gssapi-with-mic %d times, want 2:\n%s", n, readLog(t, r.sshd))
	}
	plain := append(r.kdc.Env(), "KRB5CCNAME="+strings.TrimPrefix(r.env[len(r.env)-1], "KRB5CCNAME=FILE:"))
	if got := r.both(t, plain, args...); got.code != 0 {
		t.Fatalf("plain-path cache: gssh %+v", got)
	}
}

// TestGSSAPIWithoutTicketMatchesOpenSSH: without credentials both skip
// gssapi-with-mic without sending it. Alone it leaves nothing to try:
// "Permission denied", 255. In the default order (gssapi-with-mic first)
// both fall through to the key and log in with publickey.
func TestGSSAPIWithoutTicketMatchesOpenSSH(t *testing.T) {
	r := startKerberos(t, "host/127.0.0.1")
	noTicket := append(r.kdc.Env(), "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "none"))
	got := r.both(t, noTicket, append(append([]string{}, gssapiOnly...), "sshd", "true")...)
	if got.code != 255 || !strings.Contains(got.stderr, "Permission denied (") {
		t.Fatalf("gssh %+v, want Permission denied and 255", got)
	}
	// At -v both say why, in MIT's words.
	cc := strings.TrimPrefix(noTicket[len(noTicket)-1], "KRB5CCNAME=")
	why := "No credentials were supplied, or the credentials were unavailable or inaccessible\n" +
		"No Kerberos credentials available (default cache: " + cc + ")\n"
	vArgs := append(append([]string{"-v", "-F", r.sshd.ClientConfig}, gssapiOnly...), "sshd", "true")
	for _, prog := range []string{"/usr/bin/ssh", gsshBin} {
		if v := runClient(t, prog, nil, noTicket, vArgs...); !strings.Contains(strings.ReplaceAll(v.stderr, "\r", ""), why) {
			t.Errorf("%s -v does not explain the missing ticket:\n%s", prog, v.stderr)
		}
	}
	if got := r.both(t, noTicket, "-o", "GSSAPIAuthentication=yes", "sshd", "echo", "ok"); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("fall-through: gssh %+v", got)
	}
	if n := r.acceptedWith(t, "publickey"); n != 2 {
		t.Fatalf("sshd accepted publickey %d times, want 2", n)
	}
	if n := r.acceptedWith(t, "gssapi-with-mic"); n != 0 {
		t.Fatalf("sshd accepted gssapi-with-mic %d times without a ticket", n)
	}
}

// TestGSSAPIThenPublickeyMatchesOpenSSH: with AuthenticationMethods
// gssapi-with-mic,publickey both clients pass the Kerberos step with
// partial success and go on to the key (gssh says so at -v as ssh does);
// without a ticket the first step cannot be passed and both are denied.
func TestGSSAPIThenPublickeyMatchesOpenSSH(t *testing.T) {
	r := startKerberosWith(t, []string{"AuthenticationMethods gssapi-with-mic,publickey"}, "host/127.0.0.1")
	if got := r.both(t, r.env, "-o", "GSSAPIAuthentication=yes", "sshd", "echo", "ok"); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("gssh %+v, want ok and 0", got)
	}
	log := readLog(t, r.sshd)
	if n := strings.Count(log, "Partial gssapi-with-mic for "+r.user+" "); n != 2 {
		t.Fatalf("sshd logged %d partial gssapi-with-mic logins, want 2:\n%s", n, log)
	}
	if n := r.acceptedWith(t, "publickey"); n != 2 {
		t.Fatalf("sshd accepted publickey %d times, want 2", n)
	}
	v := runClient(t, gsshBin, nil, r.env, "-v", "-F", r.sshd.ClientConfig, "-o", "GSSAPIAuthentication=yes", "sshd", "true")
	if !strings.Contains(v.stderr, `Authenticated using "gssapi-with-mic" with partial success.`) {
		t.Errorf("gssh -v does not report the partial success:\n%s", v.stderr)
	}
	noTicket := append(r.kdc.Env(), "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "none"))
	if got := r.both(t, noTicket, "-o", "GSSAPIAuthentication=yes", "sshd", "true"); got.code != 255 || !strings.Contains(got.stderr, "Permission denied (") {
		t.Fatalf("without a ticket: gssh %+v, want Permission denied and 255", got)
	}
}

// TestGSSAPIAuthenticationOffByDefault: with a ticket but without
// GSSAPIAuthentication=yes, neither tries Kerberos (ssh's default is no).
func TestGSSAPIAuthenticationOffByDefault(t *testing.T) {
	r := startKerberos(t, "host/127.0.0.1")
	got := r.both(t, r.env, "-o", "PreferredAuthentications=gssapi-with-mic", "sshd", "true")
	if got.code != 255 || !strings.Contains(got.stderr, "Permission denied (") {
		t.Fatalf("gssh %+v, want Permission denied and 255", got)
	}
}

// TestGSSAPIServerIdentityMatchesOpenSSH: the server's keytab holds only
// host/kdc-alias.gssh.test. By the HostName (127.0.0.1) both fail;
// GSSAPIServerIdentity names the service instead and both log in.
func TestGSSAPIServerIdentityMatchesOpenSSH(t *testing.T) {
	r := startKerberos(t, "host/kdc-alias.gssh.test")
	args := append(append([]string{}, gssapiOnly...), "sshd", "echo", "ok")
	if got := r.both(t, r.env, args...); got.code != 255 {
		t.Fatalf("by HostName: gssh %+v, want 255", got)
	}
	args = append([]string{"-o", "GSSAPIServerIdentity=kdc-alias.gssh.test"}, args...)
	if got := r.both(t, r.env, args...); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("with GSSAPIServerIdentity: gssh %+v", got)
	}
}

// TestGSSAPITrustDnsMatchesOpenSSH: the keytab holds only host/NAME,
// NAME being what the resolver gives back for 127.0.0.1 (localhost in
// /etc/hosts). By the HostName both fail; with GSSAPITrustDns both ask
// for the peer's DNS name and log in.
func TestGSSAPITrustDnsMatchesOpenSSH(t *testing.T) {
	name := reverseLoopback(t)
	r := startKerberos(t, "host/"+name)
	args := append(append([]string{}, gssapiOnly...), "sshd", "echo", "ok")
	if got := r.both(t, r.env, args...); got.code != 255 {
		t.Fatalf("by HostName: gssh %+v, want 255", got)
	}
	args = append([]string{"-o", "GSSAPITrustDns=yes"}, args...)
	if got := r.both(t, r.env, args...); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("with GSSAPITrustDns: gssh %+v", got)
	}
}

// reverseLoopback is the name 127.0.0.1 resolves back to, as
// remote_hostname finds it.
func reverseLoopback(t *testing.T) string {
	t.Helper()
	hosts, err := os.ReadFile("/etc/hosts")
	if err == nil {
		for _, line := range strings.Split(string(hosts), "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "127.0.0.1" {
				return strings.ToLower(f[1])
			}
		}
	}
	t.Fatalf("no name for 127.0.0.1 in /etc/hosts: %v", err)
	return ""
}

// TestGSSAPIDirCollectionMatchesOpenSSH: KRB5CCNAME=DIR:dir names a
// collection whose primary cache kinit chose; both read it.
func TestGSSAPIDirCollectionMatchesOpenSSH(t *testing.T) {
	r := startKerberos(t, "host/127.0.0.1")
	dir := t.TempDir()
	r.kdc.Kinit(t, r.user, kerberosPassword, "DIR:"+dir)
	env := append(r.kdc.Env(), "KRB5CCNAME=DIR:"+dir)
	args := append(append([]string{}, gssapiOnly...), "sshd", "echo", "ok")
	if got := r.both(t, env, args...); got.code != 0 || got.stdout != "ok\n" {
		t.Fatalf("gssh %+v", got)
	}
}

// TestGSSAPIDelegateCredentials: ssh delegates the TGT (the session has
// a KRB5CCNAME); gssh cannot (docs/kerberos.md), so it logs in all the
// same, without one, and says so at -v.
func TestGSSAPIDelegateCredentials(t *testing.T) {
	r := startKerberos(t, "host/127.0.0.1")
	args := append([]string{"-F", r.sshd.ClientConfig, "-o", "GSSAPIDelegateCredentials=yes"}, gssapiOnly...)
	args = append(args, "sshd", "echo", "cc=${KRB5CCNAME:+set}")
	ssh := runClient(t, "/usr/bin/ssh", nil, r.env, args...)
	if ssh.code != 0 || ssh.stdout != "cc=set\n" {
		t.Fatalf("ssh %+v, want a delegated cache", ssh)
	}
	got := runClient(t, gsshBin, nil, r.env, args...)
	if got.code != 0 || got.stdout != "cc=\n" || got.stderr != "" {
		t.Fatalf("gssh %+v, want a login without delegation", got)
	}
	got = runClient(t, gsshBin, nil, r.env, append([]string{"-v"}, args...)...)
	if !strings.Contains(got.stderr, "GSSAPIDelegateCredentials: gssh cannot delegate Kerberos credentials") {
		t.Fatalf("gssh -v does not say it did not delegate:\n%s", got.stderr)
	}
}
