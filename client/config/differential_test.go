package config

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/testenv"
)

// diffCase is one configuration tree run through both /usr/bin/ssh -G and
// Resolve+WriteG.
type diffCase struct {
	name  string
	files map[string]string // relative to the temp dir; "cfg" is the -F file
	host  string
	opts  []string
	// noFile runs without -F, reading ~/.ssh/config and the system file.
	noFile bool
}

var diffCases = []diffCase{
	{name: "empty", files: map[string]string{"cfg": ""}, host: "somehost"},
	{name: "basic host block", host: "web", files: map[string]string{"cfg": `
Host web
  HostName Web.Example.COM
  User alice
  Port 2222
  IdentityFile ~/.ssh/web_%r
  ServerAliveInterval 30
Host *
  User bob
  Port 22
  Compression yes
`}},
	{name: "key=value forms", host: "h", files: map[string]string{"cfg": `
Port=2200
User = carol
  ConnectTimeout   10
ForwardAgent=yes
"LogLevel" VERBOSE
`}},
	{name: "negation and lists", host: "db1.internal", files: map[string]string{"cfg": `
Host *.internal !db2.internal
  User ops
Host db? web*
  Port 2022
Host !db1.internal *
  User wrong
Host *
  User fallback
`}},
	{name: "negated first", host: "db1.internal", files: map[string]string{"cfg": `
Host !db1.internal *.internal
  User neg
Host *
  User pos
`}},
	{name: "host is case sensitive", host: "MiXed", files: map[string]string{"cfg": `
Host mixed
  User lower
Host MiXed
  Port 2
`}},
	{name: "multi values", host: "m", files: map[string]string{"cfg": `
Host m
  IdentityFile ~/.ssh/one
  IdentityFile ~/.ssh/two
  IdentityFile ~/.ssh/one
  CertificateFile ~/.ssh/one-cert.pub
  LocalForward 8080 localhost:80
  LocalForward 127.0.0.1:8081 [::1]:81
  RemoteForward 9000 localhost:9000
  RemoteForward 1080
  DynamicForward 1081
  DynamicForward localhost:1082
  SendEnv LANG LC_* FOO
  SendEnv -LC_*
  SetEnv A=1 "B=two words"
  SetEnv C=3
Host *
  IdentityFile ~/.ssh/three
  LocalForward 8080 localhost:80
  SendEnv BAR
`}},
	{name: "tokens", host: "tok", opts: []string{"User tokuser"}, files: map[string]string{"cfg": `
Host tok
  HostName tok.example.org
  ControlPath ~/.ssh/cm-%C-%h-%p-%r-%n-%l-%L-%u-%i-%d-%k-%%
  UserKnownHostsFile ~/.ssh/kh-%h /tmp/kh2-%r
  ProxyCommand ssh -W %h:%p jump.example.org
  LocalCommand echo %h %n
  RemoteCommand echo %h %r %% ${HOME}
  IdentityAgent ~/agent-%h
  IdentityFile ~/.ssh/id-%h
  HostKeyAlias AliAs
  LocalForward /tmp/%h.sock /tmp/remote.sock
`}},
	{name: "env in controlpath", host: "h", files: map[string]string{"cfg": "ControlPath ${HOME}/cm-%h\nControlMaster auto\nControlPersist 10m\n"}},
	{name: "match all and host", host: "alpha", files: map[string]string{"cfg": `
Match host alpha,beta
  User matched
Match originalhost ALPHA user matched
  Port 2001
Match all
  ForwardX11 yes
`}},
	{name: "match user and localuser", host: "h", opts: []string{"User someone"}, files: map[string]string{"cfg": `
Match user someone
  Port 3001
Match localuser root,nobody
  Compression yes
Match !localuser root
  BatchMode yes
`}},
	{name: "match exec", host: "exechost", files: map[string]string{"cfg": `
Match exec "test %h = exechost"
  User execuser
Match exec false
  Port 1
Match host nomatch exec "exit 1"
  Port 2
Match exec "true"
  Port 4004
`}},
	{name: "match final and canonical", host: "alias", files: map[string]string{"cfg": `
Host alias
  HostName real.example
Match final
  SendEnv FINAL
Match canonical
  Port 5005
Host real.example
  User realuser
Match !final
  LogLevel ERROR
`}},
	{name: "match hostname after HostName", host: "short", files: map[string]string{"cfg": `
Host short
  HostName long.%h.example
Match host long.short.example
  User viahostname
`}},
	{name: "include globs", host: "inc", files: map[string]string{
		"cfg":                  "Include conf.d/*.conf\nHost *\n  User last\n",
		"conf.d/10-a.conf":     "Host inc\n  Port 1010\n",
		"conf.d/20-b.conf":     "Host inc\n  User fromb\n  Include nested/*.conf\n",
		"conf.d/nested/x.conf": "Compression yes\n",
		"conf.d/README":        "this is not a config",
	}},
	{name: "include inside inactive block", host: "other", files: map[string]string{
		"cfg":      "Host nomatch\n  Include sub.conf\nHost *\n  Port 7007\n",
		"sub.conf": "User shouldnotapply\nHost *\n  Port 1\n",
	}},
	{name: "include with match restores state", host: "h", files: map[string]string{
		"cfg":      "Host h\n  Include sub.conf\n  User stillactive\n",
		"sub.conf": "Match host nothing\n  Port 1\n",
	}},
	{name: "algorithms", host: "h", files: map[string]string{"cfg": `
Ciphers +aes128-cbc
MACs -hmac-sha1*,umac-64*
KexAlgorithms ^curve25519-sha256
HostKeyAlgorithms ssh-ed25519,rsa-sha2-*
PubkeyAcceptedAlgorithms +ssh-rsa
CASignatureAlgorithms -ssh-*
`}},
	{name: "misc values", host: "h", files: map[string]string{"cfg": `
AddKeysToAgent confirm 1h
EscapeChar ^B
IPQoS af21 cs1
RekeyLimit 1G 1h
StreamLocalBindMask 0077
StrictHostKeyChecking accept-new
RequestTTY yes
SessionType none
Tunnel ethernet
TunnelDevice 1:2
ControlMaster autoask
ControlPersist yes
UpdateHostKeys ask
VerifyHostKeyDNS yes
PubkeyAuthentication host-bound
CanonicalizeMaxDots 3
SyslogFacility LOCAL3
FingerprintHash md5
LogVerbose kex.c:* packet.c:*
PermitRemoteOpen localhost:80 [::1]:443
AddressFamily inet6
ForwardAgent ~/agent.sock
GlobalKnownHostsFile none
BindAddress 127.0.0.1
KbdInteractiveDevices pam
PreferredAuthentications publickey,password
Protocol 2
Cipher blowfish
UsePrivilegedPort yes
IgnoreUnknown Foo*,Bar
FooBar yes
GSSAPIAuthentication yes
GSSAPIKexAlgorithms gss-group14-sha256-
ProtocolKeepAlives 9
`}},
	{name: "proxyjump", host: "h", files: map[string]string{"cfg": "ProxyJump alice@bastion:2222,bob@[::1]:22\nProxyCommand ignored\n"}},
	{name: "proxyjump none", host: "h", files: map[string]string{"cfg": "ProxyJump none\nProxyCommand nc %h %p\n"}},
	{name: "proxycommand none", host: "h", files: map[string]string{"cfg": "ProxyCommand none\nControlPath none\n"}},
	{name: "time none", host: "h", files: map[string]string{"cfg": "ConnectTimeout none\nConnectTimeout 5\nServerAliveInterval 0\n"}},
	{name: "escape space and addkeys time", host: "h", files: map[string]string{"cfg": "EscapeChar \" \"\nAddKeysToAgent 5m\n"}},
	{name: "clearallforwardings", host: "h", files: map[string]string{"cfg": "LocalForward 1 h:2\nClearAllForwardings yes\n"}},
	{name: "comments and quoting", host: "h", files: map[string]string{"cfg": `
# comment
   # indented comment
User "quoted user" # trailing
IdentityFile "/tmp/with space/key"
SendEnv A B # C
`}},
	{name: "command line overrides", host: "web", opts: []string{"Port=1234", "User cli", "IdentityFile /tmp/cli", "SendEnv CLI", "ServerAliveInterval=0"}, files: map[string]string{"cfg": `
Host web
  Port 2222
  User fileuser
  IdentityFile /tmp/file
  SendEnv FILE
`}},
	{name: "ip literal", host: "127.0.0.1", files: map[string]string{"cfg": "Host 127.0.0.*\n  User loop\n"}},
	{name: "system file path", noFile: true, host: "sys", opts: []string{"Port 2345"}},
}

func sshPath(t *testing.T) string {
	t.Helper()
	const p = "/usr/bin/ssh"
	if _, err := os.Stat(p); err != nil {
		testenv.SkipOrFail(t, "%s not installed: %v", p, err)
	}
	return p
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		// Relative Include paths in a -F file resolve against ~/.ssh;
		// the test rewrites them to this directory for both programs.
		content = strings.ReplaceAll(content, "Include ", "Include "+dir+"/")
		content = strings.ReplaceAll(content, "Include "+dir+"/nested", "Include "+dir+"/conf.d/nested")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDifferentialSSHG(t *testing.T) {
	sshPath(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-G"}
			req := Request{Host: tc.host, Options: tc.opts, HomeDir: u.HomeDir, LocalUser: u.Username,
				SystemConfig: "/etc/ssh/ssh_config",
				LookupHost:   func(string) ([]string, error) { return nil, os.ErrNotExist }}
			if !tc.noFile {
				dir := writeTree(t, tc.files)
				req.ConfigFile = filepath.Join(dir, "cfg")
				args = append(args, "-F", req.ConfigFile)
			} else if _, err := os.Stat(filepath.Join(u.HomeDir, ".ssh", "config")); err == nil {
				testenv.SkipOrFail(t, "a real ~/.ssh/config exists; the comparison would depend on it")
			}
			for _, o := range tc.opts {
				args = append(args, "-o", o)
			}
			args = append(args, tc.host)
			want, stderr, status := sshG(t, args...)
			if status != 0 {
				t.Fatalf("ssh %v: status %d\n%s", args, status, stderr)
			}
			got, err := gsshG(req)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if d := diffG(want, stderr, got); d != "" {
				t.Errorf("ssh %q vs gssh:\n%s", args, d)
			}
		})
	}
}
