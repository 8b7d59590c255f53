package config

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// keywordValues gives, for every keyword of keywords.go (aliases and
// deprecated names included), the values a differential test sets it to:
// at least one non-default value, and each value form the keyword takes.
// TestKeywordTableComplete fails when a keyword is added to keywords.go
// without an entry here. Each value is tested as a config-file line and as
// the -o equivalent, against `ssh -G` with the same input.
var keywordValues = map[string][]string{
	// Deprecated, ignored and unsupported keywords: accepted, no effect.
	"protocol":                {"2", "1,2"},
	"cipher":                  {"blowfish"},
	"fallbacktorsh":           {"yes"},
	"globalknownhostsfile2":   {"/etc/ssh/kh2"},
	"rhostsauthentication":    {"yes"},
	"userknownhostsfile2":     {"~/.ssh/kh2"},
	"useroaming":              {"no"},
	"usersh":                  {"yes"},
	"useprivilegedport":       {"yes"},
	"useblacklistedkeys":      {"yes"},
	"afstokenpassing":         {"yes"},
	"kerberosauthentication":  {"yes"},
	"kerberostgtpassing":      {"yes"},
	"rsaauthentication":       {"no"},
	"rhostsrsaauthentication": {"yes"},
	"compressionlevel":        {"9"},

	// GSSAPI (Debian patch) and PKCS#11.
	"gssapiauthentication":      {"yes", "no", "true", "FALSE"},
	"gssapikeyexchange":         {"yes"},
	"gssapidelegatecredentials": {"yes"},
	"gssapitrustdns":            {"yes"},
	"gssapiclientidentity":      {"alice@EXAMPLE.COM"},
	"gssapiserveridentity":      {"host/server@EXAMPLE.COM"},
	"gssapirenewalforcesrekey":  {"yes"},
	"gssapikexalgorithms":       {"gss-curve25519-sha256-", "gss-group14-sha1-,gss-gex-sha1-"},
	"pkcs11provider":            {"/usr/lib/p11-kit-proxy.so", "none"},
	"smartcarddevice":           {"/usr/lib/opensc-pkcs11.so"},

	// Flags: every spelling OpenSSH accepts, in several cases.
	"forwardagent": {"yes", "no", "true", "false", "YES", "/tmp/agent.sock", "~/agent-%h-%r-%p",
		"$SSH_AUTH_SOCK", "${HOME}/agent.sock", "SSH_AUTH_SOCK"},
	"forwardx11":                       {"yes", "True"},
	"forwardx11trusted":                {"no", "false"},
	"forwardx11timeout":                {"1h30m", "90", "1w", "0", "2d3h", "10S"},
	"exitonforwardfailure":             {"yes"},
	"xauthlocation":                    {"/opt/X11/bin/xauth"},
	"gatewayports":                     {"yes"},
	"passwordauthentication":           {"no"},
	"kbdinteractiveauthentication":     {"no"},
	"kbdinteractivedevices":            {"pam,bsdauth"},
	"challengeresponseauthentication":  {"no"},
	"skeyauthentication":               {"no"},
	"tisauthentication":                {"no"},
	"pubkeyauthentication":             {"no", "unbound", "host-bound", "yes", "Host-Bound"},
	"dsaauthentication":                {"no"},
	"hostbasedauthentication":          {"yes"},
	"identityfile":                     {"~/.ssh/id_%h_%r_%u_%p", "/tmp/key", "${HOME}/key-%C", `"/tmp/with space/key"`, "~root/.ssh/k", "~"},
	"identityfile2":                    {"/tmp/key2"},
	"identitiesonly":                   {"yes"},
	"certificatefile":                  {"~/.ssh/cert-%h.pub", "/tmp/c1"},
	"addkeystoagent":                   {"yes", "no", "ask", "confirm", "confirm 5m", "1h", "90", "confirm 0"},
	"identityagent":                    {"none", "SSH_AUTH_SOCK", "~/agent.%h", "$SSH_AUTH_SOCK", "${HOME}/agent-%u", "/tmp/%d/%i"},
	"hostname":                         {"Example.COM", "%h.example.org", "127.0.0.1", "::1", "%%h"},
	"hostkeyalias":                     {"MyAlias", "alias.example"},
	"proxycommand":                     {"nc %h %p", "none", "ssh -W [%h]:%p jump.example", "exec /bin/false"},
	"port":                             {"2222", "ssh", "65535", "1"},
	"ciphers":                          {"+aes128-cbc", "-aes*-ctr", "^aes256-gcm@openssh.com", "aes*", "aes128-ctr,chacha20-poly1305@openssh.com", "+3des-cbc,aes192-cbc", "-chacha20-poly1305@openssh.com,aes128-gcm@openssh.com"},
	"macs":                             {"+hmac-md5", "-*sha1*", "^hmac-sha2-512", "hmac-sha2-*", "umac-128@openssh.com"},
	"remoteforward":                    {"8080 localhost:80", "[::1]:8080 /tmp/sock", "/tmp/r.sock localhost:22", "1080", "0 localhost:80", "*:2222 [2001:db8::1]:22", "localhost:1081"},
	"localforward":                     {"8080 localhost:80", "[::1]:8080 [::1]:80", "/tmp/l.sock /tmp/r.sock", "*:8080 h:80", "localhost:8080 /tmp/x", "8080 [fe80::1%eth0]:80", "/tmp/%h-%r.sock localhost:22", "ssh localhost:ssh"},
	"permitremoteopen":                 {"any", "none", "localhost:80 [::1]:443", "*:*", "host.example:*", "ANY"},
	"user":                             {"alice", "%u-%h", `"two words"`},
	"escapechar":                       {"none", "^A", "~", "%", `" "`, "^?", "^@", "\\", "^[", "!"},
	"globalknownhostsfile":             {"none", "/a /b", "/etc/ssh/kh-%h", "/x /y /z"},
	"userknownhostsfile":               {"none", "~/kh-%h ~/kh2", "${HOME}/kh-%r", "/tmp/%C", "~", "~root"},
	"connectionattempts":               {"5", "100"},
	"batchmode":                        {"yes"},
	"checkhostip":                      {"yes"},
	"stricthostkeychecking":            {"yes", "no", "ask", "off", "accept-new", "true", "false"},
	"compression":                      {"yes"},
	"tcpkeepalive":                     {"no"},
	"keepalive":                        {"no"},
	"numberofpasswordprompts":          {"0", "10"},
	"syslogfacility":                   {"LOCAL7", "daemon", "AUTH", "authpriv", "User"},
	"loglevel":                         {"QUIET", "debug3", "fatal", "Verbose", "SILENT", "DEBUG", "debug1", "DEBUG2", "error", "info"},
	"logverbose":                       {"kex.c:*:1000,*:kex_exchange_identification():*", "none", "a b c"},
	"dynamicforward":                   {"1080", "[::1]:1080", "localhost:1080", "/tmp/socks.sock", "*:1080"},
	"preferredauthentications":         {"publickey,keyboard-interactive", "password"},
	"hostkeyalgorithms":                {"ssh-ed25519", "+ssh-rsa", "-ecdsa*", "^ssh-ed25519", "*-cert-v01@openssh.com", "ssh-ed25519,rsa-sha2-*"},
	"casignaturealgorithms":            {"ssh-ed25519", "+ssh-dss", "-ecdsa*", "^rsa-sha2-512"},
	"bindaddress":                      {"127.0.0.1", "::1"},
	"bindinterface":                    {"lo"},
	"clearallforwardings":              {"yes"},
	"enablesshkeysign":                 {"yes"},
	"verifyhostkeydns":                 {"yes", "ask", "no"},
	"nohostauthenticationforlocalhost": {"yes"},
	"rekeylimit":                       {"1G", "512M 1h", "16", "0", "default none", "1.5G", "2K 30m", "default 1h", "4096 90", "1T", "100k"},
	"connecttimeout":                   {"10", "1m", "none", "0", "1h30m"},
	"addressfamily":                    {"inet", "inet6", "any"},
	"serveraliveinterval":              {"30", "1m", "0", "1w", "15"},
	"serveralivecountmax":              {"10", "0"},
	"sendenv":                          {"LANG LC_*", "-LC_*", "GIT_PROTOCOL", "A B -A"},
	"setenv":                           {`A=1 "B=two words"`, `"C=x y" D=`, "E=1 E=2", `F="quoted"`},
	"controlpath":                      {"~/.ssh/cm-%C", "none", "/tmp/%r@%h:%p", "${HOME}/cm-%i-%L-%l-%n-%d-%k-%u-%%"},
	"controlmaster":                    {"yes", "no", "ask", "auto", "autoask", "true"},
	"controlpersist":                   {"yes", "no", "10m", "1h30m", "0", "90", "true", "false"},
	"hashknownhosts":                   {"yes"},
	"tunnel":                           {"yes", "point-to-point", "ethernet", "no", "true"},
	"tunneldevice":                     {"any:any", "1:2", "3", "any:4", "5:any"},
	"localcommand":                     {"echo %h %d %n %r %l %L %C %u %p %i %k %T %%", "none"},
	"permitlocalcommand":               {"yes"},
	"remotecommand":                    {"echo %h %r %% %C %n %p %u %d %i %k %l %L", "none", "tmux new -A -s main"},
	"visualhostkey":                    {"yes"},
	"kexalgorithms":                    {"+diffie-hellman-group1-sha1", "-sntrup*", "^curve25519-sha256", "curve25519-sha256,diffie-hellman-group14-sha1", "ecdh-*"},
	"ipqos":                            {"af21 cs1", "lowdelay", "throughput reliability", "0x20 0x10", "46", "none", "ef le", "AF11 CS0", "cs7 255"},
	"requesttty":                       {"yes", "no", "force", "auto"},
	"sessiontype":                      {"none", "subsystem", "default"},
	"stdinnull":                        {"yes"},
	"forkafterauthentication":          {"yes"},
	"proxyusefdpass":                   {"yes"},
	"canonicaldomains":                 {"example.com example.org", "none", "a.b"},
	"canonicalizefallbacklocal":        {"no"},
	"canonicalizehostname":             {"yes", "always", "no"},
	"canonicalizemaxdots":              {"0", "5"},
	"canonicalizepermittedcnames":      {"*.a.example:*.b.example", "*.x:*.y,*.z", "none", "*:* a:b"},
	"streamlocalbindmask":              {"0", "0777", "022", "0117"},
	"streamlocalbindunlink":            {"yes"},
	"revokedhostkeys":                  {"~/revoked-%h", "/etc/ssh/revoked", "none"},
	"fingerprinthash":                  {"md5", "sha256", "SHA1"},
	"updatehostkeys":                   {"yes", "no", "ask"},
	"hostbasedacceptedalgorithms":      {"+ssh-rsa", "ssh-ed25519", "-rsa*"},
	"hostbasedkeytypes":                {"ssh-ed25519"},
	"pubkeyacceptedalgorithms":         {"+ssh-rsa,ssh-dss", "-rsa-sha2-256", "^ssh-ed25519", "ssh-ed25519*"},
	"pubkeyacceptedkeytypes":           {"ssh-ed25519"},
	"ignoreunknown":                    {"Foo*", "Bar,Baz"},
	"proxyjump":                        {"alice@bastion:2222", "a,b,c", "bob@[::1]:22,carol@host", "none", "ssh://user@host:2200", "jump", "u@1.2.3.4", "a@b@c", "x:ssh"},
	"securitykeyprovider":              {"/usr/lib/sk.so", "internal", "$SSH_SK_PROVIDER"},
	"knownhostscommand":                {"/bin/kh %H %K %t %f %I", "none"},
	"requiredrsasize":                  {"2048", "512"},
	"enableescapecommandline":          {"yes"},
	"protocolkeepalives":               {"10"},
	"setuptimeout":                     {"5"},

	// Block keywords, tested in their own cases below.
	"host":    {"*"},
	"match":   {"all"},
	"include": {"/nonexistent/gssh-test/*.conf"},
}

// TestKeywordTableComplete makes a keyword added to keywords.go without a
// differential case fail.
func TestKeywordTableComplete(t *testing.T) {
	for name := range keywords {
		if len(keywordValues[name]) == 0 {
			t.Errorf("keyword %q has no case in keywordValues", name)
		}
	}
	for name := range keywordValues {
		if _, ok := keywords[name]; !ok {
			t.Errorf("keywordValues has %q, which keywords.go does not know", name)
		}
	}
}

// sshG runs /usr/bin/ssh with args and returns stdout, stderr (without
// the tty notice ssh prints when stdin is not a terminal) and the exit
// status.
func sshG(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(sshPath(t), args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		t.Fatalf("ssh %q: %v", args, err)
	}
	return so.String(), sshStderrLines(se.String()), status
}

// sshStderrLines is ssh's stderr without \r, blank lines and the tty
// notice ssh prints when stdin is not a terminal.
func sshStderrLines(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if l != "" && !strings.HasPrefix(l, "Pseudo-terminal will not be allocated") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// currentUser is looked up once: tests resolve as the user ssh runs as.
var currentUser = sync.OnceValue(func() *user.User {
	u, err := user.Current()
	if err != nil {
		panic(err)
	}
	return u
})

// gsshRequest is the Request matching `ssh -G` run by this process:
// same home, login name, process environment and system file. Host
// lookups fail, as they do for the names used here (see the
// canonicalization tests for real lookups).
func gsshRequest(host, configFile string, opts []string) Request {
	u := currentUser()
	return Request{Host: host, Options: opts, ConfigFile: configFile, HomeDir: u.HomeDir,
		LocalUser: u.Username, SystemConfig: "/etc/ssh/ssh_config",
		LookupHost: func(string) ([]string, error) { return nil, os.ErrNotExist }}
}

// diffOne compares ssh -G and gssh for one config text (or -o lines
// with -F none when text is nil) and host. command is given to ssh only:
// some ssh.c checks that cmd/gssh makes need one (ForkAfterAuthentication,
// SessionType subsystem).
func diffOne(t *testing.T, text *string, opts []string, host string, command ...string) {
	t.Helper()
	cfg := "none"
	if text != nil {
		cfg = filepath.Join(t.TempDir(), "cfg")
		if err := os.WriteFile(cfg, []byte(*text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-G", "-F", cfg}
	for _, o := range opts {
		args = append(args, "-o", o)
	}
	args = append(args, host)
	args = append(args, command...)
	want, stderr, status := sshG(t, args...)
	got, err := gsshG(gsshRequest(host, cfg, opts))
	if status != 0 {
		if err == nil {
			t.Fatalf("ssh %q failed (status %d: %s) but gssh succeeded", args, status, stderr)
		}
		if msg := gsshStderr(err); msg != stderr {
			t.Errorf("ssh %q:\n gssh: %q\n ssh:  %q", args, msg, stderr)
		}
		return
	}
	if err != nil {
		t.Fatalf("gssh: %v; ssh %q succeeded", err, args)
	}
	if d := diffG(want, stderr, got); d != "" {
		t.Errorf("ssh %q vs gssh:\n%s", args, d)
	}
}

// lineDiff returns the lines only ssh ("-") or only gssh ("+") printed,
// in order (a longest-common-subsequence diff); "" when they agree.
func lineDiff(want, got string) string {
	w := strings.Split(strings.TrimRight(want, "\n"), "\n")
	g := strings.Split(strings.TrimRight(got, "\n"), "\n")
	// lcs[i][j] is the common length of w[i:] and g[j:].
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i++
			j++
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			b.WriteString("  + " + g[j] + "\n")
			j++
		default:
			b.WriteString("  - " + w[i] + "\n")
			i++
		}
	}
	return b.String()
}

// TestDifferentialEveryKeyword sets each keyword to each of its values,
// in a file and with -o, and compares the -G output with ssh's.
func TestDifferentialEveryKeyword(t *testing.T) {
	sshPath(t)
	names := make([]string, 0, len(keywordValues))
	for name := range keywordValues {
		names = append(names, name)
	}
	sort.Strings(names)
	var tests []subtest
	for _, name := range names {
		if name == "host" || name == "match" || name == "include" {
			continue
		}
		for _, v := range keywordValues[name] {
			line := name + " " + v
			tests = append(tests, subtest{line, func(t *testing.T) {
				var command []string
				if name == "forkafterauthentication" || name == "sessiontype" {
					command = []string{"true"}
				}
				text := line + "\n"
				diffOne(t, &text, nil, "Tok.Example", command...)
				diffOne(t, nil, []string{line}, "Tok.Example", command...)
			}})
		}
	}
	runConcurrently(t, tests)
}

// TestDifferentialValueForms covers the spellings of a line: "=",
// quoting, case of the keyword, trailing comments, and keywords given
// twice (the first wins; lists accumulate) in a file and with -o.
func TestDifferentialValueForms(t *testing.T) {
	sshPath(t)
	var tests []subtest
	for _, tc := range []struct {
		name  string
		lines []string
		host  string
	}{
		{"equals forms", []string{"Port=2200", "User = carol", "ConnectTimeout\t=\t10", "LogLevel= DEBUG"}, "h"},
		{"keyword case", []string{"pOrT 2201", "USER dave", "identityFILE /tmp/k"}, "h"},
		{"quoted keyword and value", []string{`"User" "eve"`, `HostName "real.example"`}, "h"},
		{"first wins", []string{"Port 1", "Port 2", "User a", "User b", "Ciphers aes128-ctr", "Ciphers aes256-ctr", "ForwardAgent /a", "ForwardAgent /b"}, "h"},
		{"first wins across none", []string{"ConnectTimeout none", "ConnectTimeout 7", "ProxyCommand none", "ProxyCommand nc %h %p"}, "h"},
		{"lists accumulate", []string{"IdentityFile /a", "IdentityFile /b", "IdentityFile /a", "CertificateFile /c", "LocalForward 1 h:1", "LocalForward 2 h:2", "LocalForward 1 h:1", "RemoteForward 3 h:3", "DynamicForward 4", "SendEnv A", "SendEnv B -A C"}, "h"},
		{"first list wins", []string{"UserKnownHostsFile /a /b", "UserKnownHostsFile /c", "CanonicalDomains a.example", "CanonicalDomains b.example", "PermitRemoteOpen h:1", "PermitRemoteOpen h:2", "SetEnv A=1", "SetEnv B=2"}, "h"},
		{"proxyjump then proxycommand", []string{"ProxyJump j1", "ProxyCommand nc %h %p"}, "h"},
		{"proxycommand then proxyjump", []string{"ProxyCommand nc %h %p", "ProxyJump j1"}, "h"},
		{"proxyjump none then jump", []string{"ProxyJump none", "ProxyJump j2"}, "h"},
		{"keepalive set in batch mode", []string{"BatchMode yes", "ServerAliveInterval 15"}, "h"},
		{"keepalive off in batch mode", []string{"ServerAliveInterval 0", "BatchMode yes"}, "h"},
		{"keepalive by debian alias", []string{"ProtocolKeepAlives 15"}, "h"},
		{"agent socket with exitonforwardfailure", []string{"ExitOnForwardFailure yes", "ForwardAgent /nonexistent/gssh-agent.sock"}, "h"},
		{"unsupported then deprecated", []string{"RSAAuthentication no", "Cipher blowfish", "CompressionLevel 9", "KerberosAuthentication yes"}, "h"},
		{"bind mask last wins", []string{"StreamLocalBindMask 0077", "StreamLocalBindMask 0022"}, "h"},
		{"clearallforwardings later", []string{"LocalForward 1 h:1", "RemoteForward 2 h:2", "ClearAllForwardings yes"}, "h"},
		{"rekeylimit size then time", []string{"RekeyLimit 1G", "RekeyLimit 2G 1h"}, "h"},
		{"controlpersist after yes", []string{"ControlPersist yes", "ControlPersist 5m"}, "h"},
		{"updatehostkeys with knownhosts", []string{"UserKnownHostsFile ~/.ssh/known_hosts"}, "h"},
		{"updatehostkeys with other knownhosts", []string{"UserKnownHostsFile /tmp/kh"}, "h"},
		{"updatehostkeys with dns", []string{"VerifyHostKeyDNS yes"}, "h"},
		{"hostkeyalias and tokens", []string{"HostKeyAlias AlIaS", "ControlPath /tmp/%k-%h", "RemoteCommand echo %k"}, "h"},
		{"hostname with port and user tokens", []string{"HostName h-%h", "Port 2022", "User u1", "ControlPath /tmp/%C %r %p", "UserKnownHostsFile /tmp/%h-%p-%r"}, "Mixed.Case"},
		{"ip literal host", []string{"User ip"}, "192.168.0.1"},
		{"ipv6 literal host", []string{"User ip6"}, "::1"},
		{"ignoreunknown", []string{"IgnoreUnknown Foo*,bar", "FooThing 1", "Bar x"}, "h"},
		{"identityfile from tokens", []string{"User tokuser", "IdentityFile ~/.ssh/%r@%h:%p", "CertificateFile %d/%u-%i"}, "h"},
		{"setenv quoting", []string{`SetEnv "A=a b" B="c d" 'C=e f'`}, "h"},
		{"sendenv patterns", []string{"SendEnv LC_* LANG XMODIFIERS", "SendEnv -LC_ALL -L*"}, "h"},
		{"escape backslash quote", []string{`RemoteCommand echo "a b" 'c' \"d\"`}, "h"},
		{"forwards v6 and sockets", []string{"LocalForward [::1]:1 [::2]:2", "LocalForward 127.0.0.1:3 /tmp/a.sock", "RemoteForward /tmp/b.sock [2001:db8::1]:4", "RemoteForward [::]:5", "DynamicForward [::1]:6", "LocalForward /tmp/x.sock /tmp/y.sock"}, "h"},
		{"forward with env", []string{"LocalForward ${HOME}/l.sock localhost:22"}, "h"},
	} {
		tests = append(tests, subtest{tc.name, func(t *testing.T) {
			text := strings.Join(tc.lines, "\n") + "\n"
			diffOne(t, &text, nil, tc.host)
			diffOne(t, nil, tc.lines, tc.host)
		}})
	}
	runConcurrently(t, tests)
}

// subtest is one named case for runConcurrently.
type subtest struct {
	name string
	fn   func(*testing.T)
}

// runConcurrently runs subtests from several goroutines at once. The
// differential cases mostly wait for /usr/bin/ssh to start, so running
// more of them than GOMAXPROCS (which bounds t.Parallel) keeps the
// package fast on small machines.
func runConcurrently(t *testing.T, tests []subtest) {
	t.Helper()
	work := make(chan subtest)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for st := range work {
				t.Run(st.name, st.fn)
			}
		}()
	}
	for _, st := range tests {
		work <- st
	}
	close(work)
	wg.Wait()
}
