package config

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// treeCase is a set of files (the -F file is "cfg") run through ssh -G and
// gssh. "@DIR@" in file contents and options stands for the temporary
// directory holding the files.
type treeCase struct {
	name  string
	files map[string]string
	host  string
	opts  []string
	// etcHosts resolves names from /etc/hosts in gssh, instead of
	// failing every lookup (see etcHostsLookup).
	etcHosts bool
}

// writeFiles writes files under a new temporary directory with @DIR@
// replaced, and returns the directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "@DIR@", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runTree compares ssh -G with gssh for tc: stdout and stderr, or when
// ssh fails, gssh must fail too with the same messages.
func runTree(t *testing.T, tc treeCase) {
	t.Helper()
	dir := writeFiles(t, tc.files)
	cfg := filepath.Join(dir, "cfg")
	args := []string{"-G", "-F", cfg}
	var opts []string
	for _, o := range tc.opts {
		o = strings.ReplaceAll(o, "@DIR@", dir)
		opts = append(opts, o)
		args = append(args, "-o", o)
	}
	args = append(args, tc.host)
	want, stderr, status := sshG(t, args...)
	req := gsshRequest(tc.host, cfg, opts)
	if tc.etcHosts {
		req.LookupHost = etcHostsLookup
	}
	got, err := gsshG(req)
	if status != 0 {
		if err == nil {
			t.Fatalf("ssh failed (status %d: %s) but gssh succeeded", status, stderr)
		}
		if msg := gsshStderr(err); msg != stderr {
			t.Errorf("error:\n gssh: %q\n ssh:  %q", msg, stderr)
		}
		return
	}
	if err != nil {
		t.Fatalf("gssh: %v; ssh succeeded", err)
	}
	if d := diffG(want, stderr, got); d != "" {
		t.Errorf("ssh vs gssh:\n%s", d)
	}
}

var blockCases = []treeCase{
	// Host patterns.
	{name: "host wildcard and question mark", host: "web12", files: map[string]string{"cfg": "Host web?\n User one\nHost web??\n User two\nHost *\n User three\n"}},
	{name: "host negation alone never matches", host: "x", files: map[string]string{"cfg": "Host !y\n User neg\nHost *\n Port 99\n"}},
	{name: "host negation vetoes", host: "db2", files: map[string]string{"cfg": "Host db* !db2\n User a\nHost !db2 db*\n Port 2\nHost *\n User b\n"}},
	{name: "host comma is literal", host: "a", files: map[string]string{"cfg": "Host a,b\n User comma\nHost *\n User plain\n"}},
	{name: "host matches typed name not hostname", host: "alias", files: map[string]string{"cfg": "Host alias\n HostName real\nHost real\n User real\nHost alias\n Port 3\n"}},
	{name: "host upper-case typed", host: "WEB", files: map[string]string{"cfg": "Host web\n User lower\nHost WEB\n User upper\n"}},
	{name: "host pattern upper-case", host: "web", files: map[string]string{"cfg": "Host WEB\n User upper\nHost w*\n User star\n"}},
	{name: "host quoted patterns", host: "ab", files: map[string]string{"cfg": "Host \"a\"b \"x y\"\n User spaced\n"}},
	{name: "host line comment", host: "c", files: map[string]string{"cfg": "Host c # d\n User com\n"}},
	{name: "keywords before first host", host: "h", files: map[string]string{"cfg": "User top\nHost h\n User block\n Port 7\n"}},

	// Match criteria and evaluation order.
	{name: "match host uses hostname", host: "alias", files: map[string]string{"cfg": "Host alias\n HostName Real.Example\nMatch host real.example\n User viamatch\n"}},
	{name: "match originalhost", host: "Alias", files: map[string]string{"cfg": "Host alias\n HostName other\nMatch originalhost alias\n User orig\n"}},
	{name: "match host list negation", host: "db2", files: map[string]string{"cfg": "Match host db*,!db2\n User x\nMatch host !db2\n Port 2\nMatch host db*\n Port 3\n"}},
	{name: "match user before user set", host: "h", files: map[string]string{"cfg": "Match user root\n Port 11\nUser other\nMatch user other\n Compression yes\n"}},
	{name: "match user from command line", host: "h", opts: []string{"User cli"}, files: map[string]string{"cfg": "Match user cli\n Port 12\n"}},
	{name: "match localuser negated", host: "h", files: map[string]string{"cfg": "Match !localuser nobody\n Port 13\nMatch localuser nobody\n User n\n"}},
	{name: "match all negated", host: "h", files: map[string]string{"cfg": "Match !all\n Port 14\nMatch all\n User all\n"}},
	{name: "match all with comment", host: "h", files: map[string]string{"cfg": "Match all # everything\n User all\n"}},
	{name: "match several criteria", host: "h", opts: []string{"User u"}, files: map[string]string{"cfg": "Match host h user u originalhost h\n Port 15\nMatch host h user v\n Port 16\n"}},
	{name: "match case-insensitive keywords", host: "h", files: map[string]string{"cfg": "MATCH HOST h\n User up\n"}},
	{name: "match quoted criteria", host: "h", files: map[string]string{"cfg": "Match host \"h,i\"\n User q\n"}},
	{name: "match final sets second pass", host: "alias", files: map[string]string{"cfg": "Host alias\n HostName final.example\nMatch final host final.example\n User fin\nMatch !final\n Port 17\nHost final.example\n Compression yes\n"}},
	{name: "match canonical without canonicalization", host: "h", files: map[string]string{"cfg": "Match canonical\n User canon\nMatch !canonical\n Port 18\n"}},
	{name: "match canonical with canonicalization", host: "h", files: map[string]string{"cfg": "CanonicalizeHostname yes\nMatch canonical\n User canon\nMatch !canonical\n Port 18\n"}},
	{name: "final pass keeps first values", host: "h", files: map[string]string{"cfg": "Match final\n User late\nUser early\nMatch final\n Port 19\n"}},
	{name: "final pass uses hostname in host", host: "a", files: map[string]string{"cfg": "Host a\n HostName b\nMatch final\nHost b\n User byhostname\n"}},
	{name: "final pass sees port from first pass", host: "h", files: map[string]string{"cfg": "Match final\n Port 20\nMatch final exec \"test %p = 20\"\n User p20\n"}},
	{name: "match exec tokens", host: "Tok", opts: []string{"User ru", "Port 2022"}, files: map[string]string{"cfg": `Match exec "echo '%h %p %r %n %C %u %d %i %k %L %l %%' > @DIR@/exec.out"
Match exec "test \"$(cat @DIR@/exec.out)\" = \"$(echo %h %p %r %n %C %u %d %i %k %L %l %%)\""
 User tokensok
`}},
	{name: "match exec skipped after failure", host: "h", files: map[string]string{"cfg": "Match host nomatch exec \"touch @DIR@/ran\"\nMatch exec \"test ! -e @DIR@/ran\"\n User skipped\n"}},
	{name: "match exec shell syntax", host: "h", files: map[string]string{"cfg": "Match exec \"test 1 -eq 1 && exit 0\"\n User shell\n"}},
	{name: "match exec hostkeyalias token", host: "h", files: map[string]string{"cfg": "HostKeyAlias KA\nMatch exec \"test %k = ka\"\n User alias\nMatch exec \"test %k = KA\"\n Port 21\n"}},

	// Include.
	{name: "include glob order", host: "h", files: map[string]string{
		"cfg":        "Include @DIR@/d/*.conf\n",
		"d/b.conf":   "User b\n",
		"d/a.conf":   "User a\nSendEnv A\n",
		"d/10.conf":  "SendEnv TEN\n",
		"d/2.conf":   "SendEnv TWO\n",
		"d/B.conf":   "SendEnv UPPER\n",
		"d/x.txt":    "User txt\n",
		"d/.h.conf":  "SendEnv HIDDEN\n",
		"d/c.conf/x": "",
	}},
	{name: "include several arguments", host: "h", files: map[string]string{
		"cfg": "Include @DIR@/z.conf @DIR@/a.conf\n", "z.conf": "SendEnv Z\n", "a.conf": "SendEnv A\n"}},
	{name: "include missing file is fine", host: "h", files: map[string]string{"cfg": "Include @DIR@/missing.conf @DIR@/none/*\nUser after\n"}},
	{name: "include in host block", host: "in", files: map[string]string{
		"cfg": "Host in\n Include @DIR@/sub\n Port 31\nHost out\n Include @DIR@/sub2\n", "sub": "User insub\nHost *\n Compression yes\n", "sub2": "User wrong\n"}},
	{name: "include host block ends at file end", host: "h", files: map[string]string{
		"cfg": "Include @DIR@/sub\nUser outer\n", "sub": "Host nomatch\n Port 1\n"}},
	{name: "include match in inactive block", host: "h", files: map[string]string{
		"cfg": "Host other\n Include @DIR@/sub\n", "sub": "Match all\n User never\n"}},
	{name: "include nested relative to dir", host: "h", files: map[string]string{
		"cfg": "Include @DIR@/l1\n", "l1": "Include @DIR@/l2\nPort 41\n", "l2": "User deep\n"}},
	{name: "include final pass", host: "h", files: map[string]string{
		"cfg": "Include @DIR@/sub\n", "sub": "Match final\n User fin\n"}},
	{name: "include with equals", host: "h", files: map[string]string{
		"cfg": "Include=@DIR@/sub\n", "sub": "User eq\n"}},
	{name: "include depth 16 ok", host: "h", files: includeChain(16)},

	// Which warnings ssh prints: those of -o lines always, those of files
	// under the command line's LogLevel, the agent socket's under the
	// final one.
	{name: "warnings under command-line quiet", host: "h", opts: []string{"LogLevel QUIET", "RSAAuthentication no"},
		files: map[string]string{"cfg": "KerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "warnings under command-line fatal", host: "h", opts: []string{"LogLevel FATAL"},
		files: map[string]string{"cfg": "KerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "warnings under command-line error", host: "h", opts: []string{"LogLevel ERROR"},
		files: map[string]string{"cfg": "LogLevel QUIET\nKerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "warnings under file quiet", host: "h",
		files: map[string]string{"cfg": "LogLevel QUIET\nKerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "warnings under verbose", host: "h", opts: []string{"LogLevel DEBUG1"},
		files: map[string]string{"cfg": "KerberosAuthentication no\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "agent socket fatal under quiet", host: "h", opts: []string{"LogLevel QUIET"},
		files: map[string]string{"cfg": "ExitOnForwardFailure yes\nForwardAgent /nonexistent/gssh-agent\n"}},
	{name: "agent socket fatal under file quiet", host: "h",
		files: map[string]string{"cfg": "LogLevel QUIET\nExitOnForwardFailure yes\nForwardAgent /nonexistent/gssh-agent\n"}},

	// IgnoreUnknown applies only after it is set.
	{name: "ignoreunknown order", host: "h", files: map[string]string{"cfg": "IgnoreUnknown Foo\nFoo bar\nUser x\n"}},
	// A Host line resets the block even inside a Match.
	{name: "host after match", host: "h", files: map[string]string{"cfg": "Match host nomatch\nHost h\n User fromhost\n"}},
}

// includeChain is a chain of files each including the next, n deep.
func includeChain(n int) map[string]string {
	files := map[string]string{"cfg": "Include @DIR@/f1\n"}
	for i := 1; i <= n; i++ {
		files["f"+strconv.Itoa(i)] = "Include @DIR@/f" + strconv.Itoa(i+1) + "\nSendEnv F" + strconv.Itoa(i) + "\n"
	}
	return files
}

func TestDifferentialBlocks(t *testing.T) {
	sshPath(t)
	var tests []subtest
	for _, tc := range blockCases {
		tests = append(tests, subtest{tc.name, func(t *testing.T) { runTree(t, tc) }})
	}
	runConcurrently(t, tests)
}

// tokenString uses every client token and an environment variable.
const tokenString = "%C-%d-%h-%i-%k-%L-%l-%n-%p-%r-%u-%%-${HOME}"

// TestDifferentialTokens puts every token in each keyword that takes
// tokens (ssh_config(5) TOKENS) and compares what -G prints: expanded for
// ControlPath, IdentityAgent, ForwardAgent, UserKnownHostsFile, forwarding
// paths and RemoteCommand; verbatim for the rest, which are expanded when
// used.
func TestDifferentialTokens(t *testing.T) {
	sshPath(t)
	percentOnly := strings.TrimSuffix(tokenString, "-${HOME}")
	lines := []string{
		"CertificateFile ~/" + tokenString,
		"ControlPath ~/" + tokenString,
		"IdentityAgent ~/" + tokenString,
		"ForwardAgent ~/" + tokenString,
		"IdentityFile ~/" + tokenString,
		"KnownHostsCommand /bin/echo " + tokenString + " %f %H %I %K %t",
		"LocalForward /tmp/" + percentOnly + " localhost:22",
		"LocalForward 1234 /tmp/" + percentOnly,
		"RemoteForward /tmp/r" + percentOnly + " /tmp/s" + percentOnly,
		"RemoteCommand echo " + percentOnly,
		"UserKnownHostsFile ~/" + tokenString + " /tmp/" + tokenString,
		"HostName %h.%%.example",
		"LocalCommand echo " + percentOnly + " %T",
		"ProxyCommand nc %h %p %r %n %%",
		"ProxyJump %r@%h:%p",
		"HostKeyAlias Key.Alias",
		"User tokuser",
		"Port 2222",
	}
	for _, host := range []string{"Tok.Host", "10.0.0.1"} {
		t.Run(host, func(t *testing.T) {
			text := strings.Join(lines, "\n") + "\n"
			diffOne(t, &text, nil, host)
			diffOne(t, nil, lines, host)
		})
	}
	// Without HostKeyAlias, %k is the host as typed.
	text := "ControlPath /tmp/%k-%h-%n\nHostName Other\n"
	diffOne(t, &text, nil, "Typed.Name")
}

// etcHostsLookup resolves like glibc's "files" source: an exact,
// case-insensitive name or alias in /etc/hosts. The differential tests use
// it instead of DNS, which may be slow or absent; the names they look up
// beyond /etc/hosts end in .invalid (RFC 6761), so ssh's DNS lookups fail
// as the fake's do.
func etcHostsLookup(name string) ([]string, error) {
	data, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		for _, n := range f[min(1, len(f)):] {
			if strings.EqualFold(n, name) {
				addrs = append(addrs, f[0])
			}
		}
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return addrs, nil
}

// TestDifferentialCanonicalize compares CanonicalizeHostname handling with
// ssh: localhost resolves through /etc/hosts, the other names nowhere. No
// name with a domain is in /etc/hosts here, so the successful
// canonicalization is covered by TestCanonicalizeFakeResolver.
func TestDifferentialCanonicalize(t *testing.T) {
	sshPath(t)
	base := "CanonicalDomains example.invalid localdomain.invalid\n"
	var tests []subtest
	for _, tc := range []treeCase{
		{name: "yes localhost", host: "localhost", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes unresolvable", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes too many dots", host: "a.b.c", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes max dots 0", host: "a.b", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalizeMaxDots 0\n" + base}},
		{name: "yes ip literal", host: "127.0.0.1", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes ipv6 literal", host: "0:0::1", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes trailing dot", host: "localhost.", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base}},
		{name: "yes no domains", host: "localhost", files: map[string]string{"cfg": "CanonicalizeHostname yes\n"}},
		{name: "yes domains none", host: "localhost", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalDomains none\n"}},
		{name: "yes with proxyjump", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nProxyJump j\n" + base}},
		{name: "always with proxycommand", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname always\nCanonicalizeFallbackLocal no\nProxyCommand nc %h %p\n" + base}},
		{name: "always fallback no", host: "localhost", files: map[string]string{"cfg": "CanonicalizeHostname always\nCanonicalizeFallbackLocal no\n" + base}},
		{name: "yes fallback no", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname yes\nCanonicalizeFallbackLocal no\n" + base}},
		{name: "no fallback no", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizeHostname no\nCanonicalizeFallbackLocal no\n" + base}},
		{name: "canonical blocks", host: "LocalHost", files: map[string]string{"cfg": "CanonicalizeHostname yes\n" + base +
			"Host localhost\n User first\nMatch canonical host localhost\n Port 2200\nMatch final\n Compression yes\n"}},
		{name: "hostname then canonicalize", host: "alias", files: map[string]string{"cfg": "Host alias\n HostName LOCALHOST\nCanonicalizeHostname yes\n" + base + "Host localhost\n User byhost\n"}},
		{name: "permitted cnames resolvable", host: "localhost", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\n"}},
		{name: "permitted cnames unresolvable", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\n"}},
		{name: "permitted cnames proxied", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\nProxyCommand nc %h %p\n"}},
		{name: "permitted cnames always proxied", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs *:*\nProxyJump j\nCanonicalizeHostname always\n"}},
		{name: "permitted cnames star and case", host: "localhost", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs * A.Example:B.Example,C :d\n"}},
		{name: "permitted cnames none", host: "nosuch.invalid", files: map[string]string{"cfg": "CanonicalizePermittedCNAMEs none\n"}},
	} {
		tc.etcHosts = true
		tests = append(tests, subtest{tc.name, func(t *testing.T) { runTree(t, tc) }})
	}
	runConcurrently(t, tests)
}
