package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/testenv"
)

// parseCase is one command line and what parseArgs must make of it.
type parseCase struct {
	name    string
	args    []string
	host    string
	options []string // Request.Options, exactly
	command []string
	check   func(t *testing.T, inv *invocation) // further fields, when set
}

// words splits a command line at blanks; cases that need a blank inside
// an argument spell out their []string.
func words(s string) []string { return strings.Fields(s) }

func TestParseArgs(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "id key")
	if err := os.WriteFile(key, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []parseCase{
		{name: "bare host", args: words("host"), host: "host"},
		{name: "user at host", args: words("u@host"), host: "host", options: []string{"User u"}},
		{name: "last @ splits", args: words("a@b@host"), host: "host", options: []string{"User a@b"}},
		{name: "empty host after @", args: words("u@"), host: "", options: []string{"User u"}},
		{name: "empty destination", args: []string{""}, host: ""},
		{name: "-l beats user@", args: words("-l x u@h"), host: "h", options: []string{"User x"}},
		{name: "user@ beats later -l", args: words("u@h -l x"), host: "h", options: []string{"User u"}},
		{name: "-l first wins", args: words("-l a -l b h"), host: "h", options: []string{"User a"}},
		{name: "-o User before -l", args: words("-o User=o -l l h"), host: "h", options: []string{"User=o"}},

		{name: "combined flags", args: words("-gfN -T host"), host: "host",
			options: []string{"GatewayPorts yes", "ForkAfterAuthentication yes", "StdinNull yes", "SessionType none", "RequestTTY no"}},
		{name: "attached port", args: words("-p1022 host"), host: "host", options: []string{"Port 1022"}},
		{name: "flag then attached arg", args: words("-vp22 h"), host: "h", options: []string{"LogLevel DEBUG1", "Port 22"},
			check: wantVerbosity(1)},
		{name: "attached -O", args: words("-Ostop host"), host: "host", check: func(t *testing.T, inv *invocation) {
			if inv.ControlCommand != "stop" {
				t.Errorf("ControlCommand = %q, want stop", inv.ControlCommand)
			}
		}},
		{name: "options after destination", args: words("host -p 2345 cmd -x"), host: "host",
			options: []string{"Port 2345"}, command: words("cmd -x")},
		{name: "command keeps dashes", args: []string{"host", "printf", "%s|", "-a", "--b", "c d"}, host: "host",
			command: []string{"printf", "%s|", "-a", "--b", "c d"}},
		{name: "leading -- stops options", args: words("-- host -p 7 cmd"), host: "host", command: words("-p 7 cmd")},
		{name: "-- after options", args: words("-l u -- host cmd"), host: "host", options: []string{"User u"}, command: words("cmd")},
		{name: "-- after destination", args: words("host -p 5 -- -x y"), host: "host", options: []string{"Port 5"}, command: words("-x y")},
		{name: "-- as the last option's argument ends options", args: words("-E -- host -p 5"), host: "host",
			command: words("-p 5"), check: func(t *testing.T, inv *invocation) {
				if inv.LogFile != "--" {
					t.Errorf("LogFile = %q, want --", inv.LogFile)
				}
			}},
		{name: "argument starting with dash", args: words("-b -x h"), host: "h", options: []string{"BindAddress -x"}},
		{name: "second -- after destination is the command", args: words("h -- --"), host: "h", command: words("--")},

		{name: "uri", args: words("ssh://u@h:2222"), host: "h", options: []string{"User u", "Port 2222"}},
		{name: "uri without user", args: words("ssh://h"), host: "h"},
		{name: "uri with slash", args: words("ssh://h:22/"), host: "h", options: []string{"Port 22"}},
		{name: "uri service port", args: words("ssh://h:ssh"), host: "h", options: []string{"Port 22"}},
		{name: "uri percent-decoded user", args: words("ssh://a%40b@h"), host: "h", options: []string{"User a@b"}},
		{name: "uri v6", args: words("ssh://[::1]:2200"), host: "::1", options: []string{"Port 2200"}},
		{name: "-p beats uri port", args: words("-p 7 ssh://h:5"), host: "h", options: []string{"Port 7"}},
		{name: "uri port beats later -p", args: words("ssh://h:5 -p 7"), host: "h", options: []string{"Port 5"}},
		{name: "-o Port beats uri port", args: words("-o Port=9 ssh://h:5"), host: "h", options: []string{"Port=9"}},

		{name: "-p first wins", args: words("-p 2 -p 3 h"), host: "h", options: []string{"Port 2"}},
		{name: "-o Port before -p", args: words("-o Port=22 -p 33 h"), host: "h", options: []string{"Port=22"}},
		{name: "-p before -o Port", args: words("-p 33 -o Port=22 h"), host: "h", options: []string{"Port 33", "Port=22"}},
		{name: "-p late and bad is ignored", args: words("-p 2 -p 0 h"), host: "h", options: []string{"Port 2"}},
		{name: "-p service name", args: words("-p ssh h"), host: "h", options: []string{"Port 22"}},
		{name: "-p with sign", args: words("-p +022 h"), host: "h", options: []string{"Port 22"}},

		{name: "-o forms", args: []string{"-oForwardX11 no", "-o", "Compression = yes", "-oPort=2", "h"}, host: "h",
			options: []string{"ForwardX11 no", "Compression = yes", "Port=2"}},
		{name: "-t", args: words("-t h"), host: "h", options: []string{"RequestTTY yes"}},
		{name: "-tt", args: words("-tt h"), host: "h", options: []string{"RequestTTY force"}},
		{name: "-ttt", args: words("-ttt h"), host: "h", options: []string{"RequestTTY yes"}},
		{name: "-t -T -t", args: words("-t -T -t h"), host: "h", options: []string{"RequestTTY yes"}},
		{name: "-T after -tt", args: words("-tt -T h"), host: "h", options: []string{"RequestTTY no"}},
		{name: "-t after RequestTTY=yes forces", args: words("-o RequestTTY=true -t h"), host: "h",
			options: []string{"RequestTTY force", "RequestTTY=true"}},
		{name: "-t after RequestTTY=force", args: words("-o RequestTTY=force -t h"), host: "h",
			options: []string{"RequestTTY yes", "RequestTTY=force"}},
		{name: "-t beats later -o", args: words("-t -o RequestTTY=no h"), host: "h",
			options: []string{"RequestTTY yes", "RequestTTY=no"}},

		{name: "-v", args: words("-v h"), host: "h", options: []string{"LogLevel DEBUG1"}, check: wantVerbosity(1)},
		{name: "-vvv", args: words("-vvv h"), host: "h", options: []string{"LogLevel DEBUG3"}, check: wantVerbosity(3)},
		{name: "-vvvv stops at 3", args: words("-vvvv h"), host: "h", options: []string{"LogLevel DEBUG3"}, check: wantVerbosity(3)},
		{name: "-q", args: words("-q h"), host: "h", options: []string{"LogLevel QUIET"}},
		{name: "-v -q -v", args: words("-v -q -v h"), host: "h", options: []string{"LogLevel FATAL"}, check: wantVerbosity(2)},
		{name: "-q -v", args: words("-q -v h"), host: "h", options: []string{"LogLevel DEBUG1"}, check: wantVerbosity(1)},
		{name: "-o LogLevel then -v", args: words("-o LogLevel=error -v h"), host: "h",
			options: []string{"LogLevel DEBUG1", "LogLevel=error"}},

		{name: "-M", args: words("-M h"), host: "h", options: []string{"ControlMaster yes"}},
		{name: "-MM", args: words("-MM h"), host: "h", options: []string{"ControlMaster ask"}},
		{name: "-M after ControlMaster=yes", args: words("-o ControlMaster=yes -M h"), host: "h",
			options: []string{"ControlMaster ask", "ControlMaster=yes"}},
		{name: "-M before ControlMaster=auto", args: words("-M -o ControlMaster=auto h"), host: "h",
			options: []string{"ControlMaster yes", "ControlMaster=auto"}},

		{name: "boolean flags", args: words("-4 -A -C -g -K -n -X h"), host: "h", options: []string{
			"AddressFamily inet", "ForwardAgent yes", "Compression yes", "GatewayPorts yes",
			"GSSAPIAuthentication yes", "GSSAPIDelegateCredentials yes", "StdinNull yes", "ForwardX11 yes"}},
		{name: "last of a pair wins", args: words("-4 -6 -A -a -X -x -K -k h"), host: "h", options: []string{
			"AddressFamily inet6", "ForwardAgent no", "ForwardX11 no", "GSSAPIAuthentication yes", "GSSAPIDelegateCredentials no"}},
		{name: "-Y", args: words("-Y h"), host: "h", options: []string{"ForwardX11 yes", "ForwardX11Trusted yes"}},
		{name: "flags beat earlier -o", args: words("-o ForwardAgent=no -A h"), host: "h",
			options: []string{"ForwardAgent yes", "ForwardAgent=no"}},
		{name: "-2 and -P are no-ops", args: words("-2 -P h"), host: "h"},

		{name: "string flags", args: words("-b 10.0.0.1 -B eth0 -c aes128-ctr -m hmac-sha2-256 -e ^A -S /tmp/c -I /lib/p.so h"), host: "h",
			options: []string{"BindAddress 10.0.0.1", "BindInterface eth0", "Ciphers aes128-ctr", "MACs hmac-sha2-256",
				"EscapeChar ^A", "ControlPath /tmp/c", "PKCS11Provider /lib/p.so"}},
		{name: "-c list with +", args: words("-c +aes128-ctr,aes256-ctr h"), host: "h", options: []string{"Ciphers +aes128-ctr,aes256-ctr"}},
		{name: "-e none", args: words("-e none h"), host: "h", options: []string{"EscapeChar none"}},
		{name: "-e quoted", args: words("-e # h"), host: "h", options: []string{`EscapeChar "#"`}},
		{name: "quoted value", args: []string{"-S", `/tmp/a b"c`, "h"}, host: "h", options: []string{`ControlPath "/tmp/a b\"c"`}},

		{name: "-N", args: words("-N h"), host: "h", options: []string{"SessionType none", "RequestTTY no"}},
		{name: "-s", args: words("-s h sftp"), host: "h", options: []string{"SessionType subsystem"}, command: words("sftp")},
		{name: "-N twice", args: words("-NN h"), host: "h", options: []string{"SessionType none", "RequestTTY no"}},
		{name: "-W", args: words("-W db:5432 h"), host: "h", options: []string{"RequestTTY no", "SessionType none", "ClearAllForwardings yes", "ExitOnForwardFailure yes"},
			check: func(t *testing.T, inv *invocation) {
				if inv.StdioForward != "db:5432" {
					t.Errorf("StdioForward = %q", inv.StdioForward)
				}
			}},
		{name: "-W then -N", args: words("-W db:5432 -N h"), host: "h", options: []string{"RequestTTY no", "SessionType none", "ClearAllForwardings yes", "ExitOnForwardFailure yes"}},
		{name: "-W defaults lose to -o", args: words("-W db:5432 -o ExitOnForwardFailure=no h"), host: "h", options: []string{
			"RequestTTY no", "SessionType none", "ExitOnForwardFailure=no", "ClearAllForwardings yes", "ExitOnForwardFailure yes"}},

		{name: "-w", args: words("-w 1:2 h"), host: "h", options: []string{"TunnelDevice 1:2", "Tunnel yes"}},
		{name: "-w any", args: words("-w any h"), host: "h", options: []string{"TunnelDevice any", "Tunnel yes"}},
		{name: "-o Tunnel before -w", args: words("-o Tunnel=ethernet -w 1 h"), host: "h",
			options: []string{"TunnelDevice 1", "Tunnel=ethernet"}},

		{name: "-J", args: words("-J u@j:2200,k h"), host: "h", options: []string{"ProxyJump u@j:2200,k"}},
		{name: "-J then -o ProxyCommand", args: words("-J j -o ProxyCommand=x h"), host: "h",
			options: []string{"ProxyJump j", "ProxyCommand=x"}},
		{name: "-J uri", args: words("-J ssh://u@j:2 h"), host: "h", options: []string{"ProxyJump ssh://u@j:2"}},

		{name: "-i accumulates in order with -o IdentityFile", args: []string{"-i", key, "-o", "IdentityFile=/x", "-i", key, "h"}, host: "h",
			options: []string{`IdentityFile "` + key + `"`, "IdentityFile=/x", `IdentityFile "` + key + `"`}},
		{name: "-i missing file warns", args: words("-i /nonexistent/k h"), host: "h", check: func(t *testing.T, inv *invocation) {
			want := []string{"Warning: Identity file /nonexistent/k not accessible: No such file or directory."}
			if !slices.Equal(inv.Warnings, want) {
				t.Errorf("Warnings = %q, want %q", inv.Warnings, want)
			}
		}},

		{name: "forwards", args: words("-L 8080:localhost:80 -L [::1]:80:[fe80::1]:90 -L /tmp/s:/tmp/t -L 5:/tmp/x -L a:1:/p h"), host: "h",
			options: []string{"LocalForward 8080 [localhost]:80", "LocalForward [::1]:80 [fe80::1]:90",
				"LocalForward /tmp/s /tmp/t", "LocalForward 5 /tmp/x", "LocalForward [a]:1 /p"}},
		{name: "remote forwards", args: words("-R 9000 -R b:9001 -R 7:h:8 -R 0:h:8 h"), host: "h",
			options: []string{"RemoteForward 9000", "RemoteForward [b]:9001", "RemoteForward 7 [h]:8", "RemoteForward 0 [h]:8"}},
		{name: "dynamic forwards", args: words("-D 1080 -D a:1081 -D [::1]:1082 -D /tmp/socks h"), host: "h",
			options: []string{"DynamicForward 1080", "DynamicForward [a]:1081", "DynamicForward [::1]:1082", "DynamicForward /tmp/socks"}},
		{name: "escaped colon in forward", args: []string{"-L", `8080:a\:b:80`, "h"}, host: "h",
			options: []string{`LocalForward 8080 [a:b]:80`}},
		{name: "socket path with a blank and a colon", args: []string{"-L", `/tmp/my sock:/run/a\:b`, "h"}, host: "h",
			options: []string{`LocalForward "/tmp/my sock" "/run/a\\:b"`}},

		{name: "query stops parsing", args: words("-Q cipher -z"), check: func(t *testing.T, inv *invocation) {
			if inv.Query != "cipher" {
				t.Errorf("Query = %q", inv.Query)
			}
		}},
		{name: "query alias", args: words("-Q Ciphers"), check: func(t *testing.T, inv *invocation) {
			if inv.Query != "Ciphers" {
				t.Errorf("Query = %q", inv.Query)
			}
		}},
		{name: "-V stops parsing", args: words("-V -z"), check: func(t *testing.T, inv *invocation) {
			if !inv.Version {
				t.Error("Version not set")
			}
		}},
		{name: "--help", args: words("--help"), check: func(t *testing.T, inv *invocation) {
			if !inv.Help {
				t.Error("Help not set")
			}
		}},
		{name: "plain flags", args: words("-G -y -F /dev/null -O check h"), host: "h", check: func(t *testing.T, inv *invocation) {
			if !inv.DumpConfig || !inv.Syslog || inv.Request.ConfigFile != "/dev/null" || inv.ControlCommand != "check" {
				t.Errorf("got %+v", inv)
			}
		}},
		{name: "-E and -F last wins", args: words("-E a -E b -F x -F y h"), host: "h", check: func(t *testing.T, inv *invocation) {
			if inv.LogFile != "b" || inv.Request.ConfigFile != "y" {
				t.Errorf("LogFile %q ConfigFile %q", inv.LogFile, inv.Request.ConfigFile)
			}
		}},
		{name: "durations", args: words("--timeout 300 --kill-after=1.5 h --idle-timeout 5m cmd"), host: "h", command: words("cmd"),
			check: func(t *testing.T, inv *invocation) {
				if inv.Timeout != 300*time.Second || inv.KillAfter != 1500*time.Millisecond || inv.IdleTimeout != 5*time.Minute {
					t.Errorf("durations %v %v %v", inv.Timeout, inv.KillAfter, inv.IdleTimeout)
				}
			}},
		{name: "kill-after default", args: words("h"), host: "h", check: func(t *testing.T, inv *invocation) {
			if inv.KillAfter != 5*time.Second || inv.Timeout != 0 || inv.IdleTimeout != 0 {
				t.Errorf("durations %v %v %v", inv.Timeout, inv.KillAfter, inv.IdleTimeout)
			}
		}},

		// How real programs call ssh (OPENSSH-NOTES §7).
		{name: "scp", args: words("-x -oPermitLocalCommand=no -oClearAllForwardings=yes -oRemoteCommand=none -oRequestTTY=no -oForwardAgent=no -l alice -s -- example.org sftp"),
			host: "example.org", command: words("sftp"), options: []string{
				"ForwardX11 no", "SessionType subsystem", "PermitLocalCommand=no", "ClearAllForwardings=yes",
				"RemoteCommand=none", "RequestTTY=no", "ForwardAgent=no", "User alice"}},
		{name: "sftp", args: []string{"-oForwardX11 no", "-oPermitLocalCommand no", "-oClearAllForwardings yes", "-oForwardAgent no", "-l", "alice", "-s", "--", "example.org", "sftp"},
			host: "example.org", command: words("sftp"), options: []string{
				"SessionType subsystem", "ForwardX11 no", "PermitLocalCommand no", "ClearAllForwardings yes", "ForwardAgent no", "User alice"}},
		{name: "rsync", args: words("-l alice example.org rsync --server -vlogDtpre.iLsfxCIvu . /dst"),
			host: "example.org", options: []string{"User alice"}, command: words("rsync --server -vlogDtpre.iLsfxCIvu . /dst")},
		{name: "git probe", args: words("-G -o SendEnv=GIT_PROTOCOL -p 2222 example.org"), host: "example.org",
			options: []string{"SendEnv=GIT_PROTOCOL", "Port 2222"},
			check: func(t *testing.T, inv *invocation) {
				if !inv.DumpConfig {
					t.Error("DumpConfig not set")
				}
			}},
		{name: "git", args: []string{"-o", "SendEnv=GIT_PROTOCOL", "-p", "2222", "git@example.org", "git-upload-pack", "'/repo.git'"},
			host: "example.org", options: []string{"SendEnv=GIT_PROTOCOL", "Port 2222", "User git"},
			command: []string{"git-upload-pack", "'/repo.git'"}},
		{name: "ansible", args: []string{"-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s", "-o", "KbdInteractiveAuthentication=no",
			"-o", "PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey", "-o", "PasswordAuthentication=no",
			"-o", "ConnectTimeout=10", "-o", `ControlPath="/root/.ansible/cp/1a2b3c"`, "-tt", "web1", "/bin/sh -c 'echo ok && sleep 0'"},
			host: "web1", command: []string{"/bin/sh -c 'echo ok && sleep 0'"}, options: []string{
				"Compression yes", "RequestTTY force", "ControlMaster=auto", "ControlPersist=60s", "KbdInteractiveAuthentication=no",
				"PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey", "PasswordAuthentication=no",
				"ConnectTimeout=10", `ControlPath="/root/.ansible/cp/1a2b3c"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := parseArgs(c.args)
			if err != nil {
				t.Fatalf("parseArgs(%q): %v", c.args, err)
			}
			if inv.Request.Host != c.host {
				t.Errorf("Host = %q, want %q", inv.Request.Host, c.host)
			}
			if !slices.Equal(inv.Request.Options, c.options) {
				t.Errorf("Options =\n  %q\nwant\n  %q", inv.Request.Options, c.options)
			}
			if !slices.Equal(inv.Command, c.command) {
				t.Errorf("Command = %q, want %q", inv.Command, c.command)
			}
			if c.check != nil {
				c.check(t, inv)
			}
		})
	}
}

func wantVerbosity(n int) func(*testing.T, *invocation) {
	return func(t *testing.T, inv *invocation) {
		t.Helper()
		if inv.Verbosity != n {
			t.Errorf("Verbosity = %d, want %d", inv.Verbosity, n)
		}
	}
}

// TestParseArgsErrors checks bad command lines: the error type decides
// whether main prints the usage text, and the message is OpenSSH's.
func TestParseArgsErrors(t *testing.T) {
	cases := []struct {
		args  []string
		usage bool   // *usageError, else *fatalError
		msg   string // the error's message ("" for the bare usage text)
	}{
		{nil, true, ""},
		{words("-v"), true, ""},
		{words("-l u --"), true, ""},
		{words("@host"), true, ""},
		{words("-p"), true, "option requires an argument -- p"},
		{words("host -p"), true, "option requires an argument -- p"},
		{words("-z host"), true, "unknown option -- z"},
		{words("-vz host"), true, "unknown option -- z"},
		{words("--foo host"), true, "unknown option -- -"},
		{words("--help=x"), true, "option --help takes no argument"},
		{words("--timeout"), true, "option requires an argument -- timeout"},
		{words("-s host"), true, "You must specify a subsystem to invoke."},
		{words("-o SessionType=subsystem host"), true, "You must specify a subsystem to invoke."},
		{words("ssh://"), true, ""},
		{words("ssh://h:0"), true, ""},
		{words("ssh://u@"), true, ""},
		{words("ssh://h/path"), true, ""},
		{words("ssh://bad!host"), true, ""},
		{words("ssh://h%zz"), true, ""},
		{words("--timeout -3 h"), false, `gssh: --timeout: invalid duration "-3": want seconds or a duration such as 90s or 5m`},
		{words("--timeout -3s h"), false, `gssh: --timeout: invalid duration "-3s": must not be negative`},
		{words("--timeout abc h"), false, `gssh: --timeout: invalid duration "abc": want seconds or a duration such as 90s or 5m`},
		{words("--kill-after 1e9 h"), false, `gssh: --kill-after: invalid duration "1e9": want seconds or a duration such as 90s or 5m`},
		{words("--idle-timeout 99999999999999 h"), false, `gssh: --idle-timeout: invalid duration "99999999999999"`},

		{words("-p 0 h"), false, "Bad port '0'"},
		{words("-p 65536 h"), false, "Bad port '65536'"},
		{words("-p abc h"), false, "Bad port 'abc'"},
		{words("-p 0 -z h"), false, "Bad port '0'"},
		{words("-1 h"), false, "SSH protocol v.1 is no longer supported"},
		{words("-e xx h"), false, "Bad escape character 'xx'."},
		{words("-c foo h"), false, "Unknown cipher type 'foo'"},
		{words("-c -aes128-ctr h"), false, "Unknown cipher type '-aes128-ctr'"},
		{words("-m +hmac-sha2-256 h"), false, "Unknown mac type '+hmac-sha2-256'"},
		{words("-O foo h"), false, "Invalid multiplex command."},
		{words("-O check -O exit h"), false, "Multiplexing command already specified"},
		{words("-W a:1 -O check h"), false, "Cannot specify multiplexing command with -W"},
		{words("-O check -W a:1 h"), false, "Cannot specify stdio forward with -O"},
		{words("-W a:1 -W b:2 h"), false, "stdio forward already specified"},
		{words("-W bad h"), false, "Bad stdio forwarding specification 'bad'"},
		{words("-W a:b h"), false, "Bad stdio forwarding specification 'a:b'"},
		{words("-w x h"), false, "Bad tun device 'x'"},
		{words("-L bad h"), false, "Bad local forwarding specification 'bad'"},
		{words("-L 0:h:80 h"), false, "Bad local forwarding specification '0:h:80'"},
		{words("-L 80:h:0 h"), false, "Bad local forwarding specification '80:h:0'"},
		{words("-L 1:2:3:4:5 h"), false, "Bad local forwarding specification '1:2:3:4:5'"},
		{words("-R bad:port:x h"), false, "Bad remote forwarding specification 'bad:port:x'"},
		{words("-D a:b:c h"), false, "Bad dynamic forwarding specification 'a:b:c'"},
		{words("-J a -J b h"), false, "Only a single -J option is permitted (use commas to separate multiple jump hops)"},
		{words("-o ProxyJump=a -J b h"), false, "Only a single -J option is permitted (use commas to separate multiple jump hops)"},
		{words("-o ProxyCommand=none -J b h"), false, "Cannot specify -J with ProxyCommand"},
		{words("-J @h h"), false, "Invalid -J argument"},
		{words("-J h:0 h"), false, "Invalid -J argument"},
		{words("-o SessionType=default -N h"), false, "Cannot specify -N with -s/SessionType"},
		{words("-s -N h c"), false, "Cannot specify -N with -s/SessionType"},
		{words("-N -s h c"), false, "Cannot specify -s with -N/SessionType"},
		{words("-Q foo"), false, `Unsupported query "foo"`},
		{words("-y -E f h"), false, "Can't specify both -y and -E"},
		{words("-i ~nosuchuser-gssh/k h"), false, "tilde_expand_filename: No such user nosuchuser-gssh"},
	}
	for _, c := range cases {
		inv, err := parseArgs(c.args)
		if err == nil {
			t.Errorf("parseArgs(%q) = %+v, want an error", c.args, inv)
			continue
		}
		var gotUsage bool
		switch e := err.(type) {
		case *usageError:
			gotUsage = true
			if e.msg != c.msg {
				t.Errorf("parseArgs(%q): usage message %q, want %q", c.args, e.msg, c.msg)
			}
		case *fatalError:
			if e.msg != c.msg {
				t.Errorf("parseArgs(%q): message %q, want %q", c.args, e.msg, c.msg)
			}
		default:
			t.Errorf("parseArgs(%q): error %T %v, want *usageError or *fatalError", c.args, err, err)
			continue
		}
		if gotUsage != c.usage {
			t.Errorf("parseArgs(%q): %T, usage error wanted: %v", c.args, err, c.usage)
		}
	}
}

func TestReportArgsError(t *testing.T) {
	var b bytes.Buffer
	if code := reportArgsError(&b, &usageError{msg: "unknown option -- z"}); code != 255 {
		t.Errorf("exit %d, want 255", code)
	}
	if !strings.HasPrefix(b.String(), "unknown option -- z\r\nusage: gssh [-46AaCfGgKkMNnqsTtVvXxYy]") {
		t.Errorf("got %q", b.String())
	}
	b.Reset()
	reportArgsError(&b, &usageError{})
	if b.String() != usageText() {
		t.Errorf("bare usage error printed %q", b.String())
	}
	b.Reset()
	if code := reportArgsError(&b, &fatalError{msg: "Bad port '0'"}); code != 255 || b.String() != "Bad port '0'\n" {
		t.Errorf("fatal: exit %d, printed %q", code, b.String())
	}
}

// TestUsageMatchesOpenSSH checks that the usage text is ssh's own with
// the name changed, plus gssh's long flags.
func TestUsageMatchesOpenSSH(t *testing.T) {
	out, _ := runSSH(t, nil)
	want := strings.ReplaceAll(out, "usage: ssh ", "usage: gssh ")
	want = strings.ReplaceAll(want, "\n           ", "\n            ")
	if got := usageText(); !strings.HasPrefix(got, want) {
		t.Errorf("usage text\n%s\ndoes not start with ssh's\n%s", got, want)
	}
	for _, flag := range []string{"--timeout", "--kill-after", "--idle-timeout", "--help", "--reconnect", "--reconnect-max", "--reconnect-first"} {
		if !strings.Contains(usageText(), flag) {
			t.Errorf("usage text lacks %s", flag)
		}
	}
}

// TestFlagTableMatchesOpenSSH checks that the getopt table derived from
// kong's model is ssh 9.2's option string exactly.
func TestFlagTableMatchesOpenSSH(t *testing.T) {
	const optstring = "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy"
	p, err := newCLIParser()
	if err != nil {
		t.Fatal(err)
	}
	want := map[byte]bool{}
	for i := 0; i < len(optstring); i++ {
		if i+1 < len(optstring) && optstring[i+1] == ':' {
			want[optstring[i]] = true
			i++
		} else {
			want[optstring[i]] = false
		}
	}
	if len(p.short) != len(want) {
		t.Errorf("%d short flags, want %d", len(p.short), len(want))
	}
	for c, takesArg := range want {
		spec, ok := p.short[c]
		if !ok || spec.takesArg != takesArg {
			t.Errorf("-%c: have %+v (defined %v), want takesArg %v", c, spec, ok, takesArg)
		}
	}
	if len(p.long) != len(gsshLongFlags()) {
		t.Errorf("long flags %v, want %v", p.long, gsshLongFlags())
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{"0": 0, "300": 300 * time.Second, "0.5": 500 * time.Millisecond, "5m": 5 * time.Minute, "1h2m3s": time.Hour + 2*time.Minute + 3*time.Second}
	for in, want := range good {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "-1s", "abc", "1e3", "NaN", "Inf", " 5", "5 ", "1.2.3", "."} {
		if got, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestSplitOption(t *testing.T) {
	cases := map[string][2]string{
		"Port=2":            {"Port", "2"},
		"Port 2":            {"Port", "2"},
		"Port = 2":          {"Port", "2"},
		"  Port\t=\t2 x":    {"Port", "2"},
		`User "a b"`:        {"User", "a b"},
		"ForwardX11":        {"ForwardX11", ""},
		"RequestTTY=":       {"RequestTTY", ""},
		"LogLevel ==DEBUG2": {"LogLevel", "=DEBUG2"},
	}
	for in, want := range cases {
		if k, v := splitOption(in); k != want[0] || v != want[1] {
			t.Errorf("splitOption(%q) = %q, %q; want %q", in, k, v, want)
		}
	}
}

func TestQuoteValue(t *testing.T) {
	cases := map[string]string{
		"plain":    "plain",
		"":         `""`,
		"a b":      `"a b"`,
		`a"b`:      `"a\"b"`,
		`a\b`:      `"a\\b"`,
		"#":        `"#"`,
		"=x":       `"=x"`,
		"~/.ssh/x": "~/.ssh/x",
	}
	for in, want := range cases {
		if got := quoteValue(in); got != want {
			t.Errorf("quoteValue(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestExpandTilde(t *testing.T) {
	home, err := expandTilde("~")
	if err != nil || !strings.HasSuffix(home, "/") {
		t.Fatalf("expandTilde(~) = %q, %v", home, err)
	}
	cases := map[string]string{"/abs": "/abs", "rel": "rel", "~/k": home + "k", "~k": home + "k", "~root/k": "/root/k"}
	for in, want := range cases {
		if got, err := expandTilde(in); err != nil || got != want {
			t.Errorf("expandTilde(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// sshPath is the OpenSSH client the tests compare gssh with.
const sshPath = "/usr/bin/ssh"

// runSSH runs OpenSSH's ssh with args and stdin from /dev/null, and
// returns its combined output and exit status. Without ssh the test is
// skipped, except in CI, where ssh must be installed.
func runSSH(t *testing.T, args []string) (string, int) {
	t.Helper()
	if _, err := os.Stat(sshPath); err != nil {
		testenv.SkipOrFail(t, "%s not installed: %v", sshPath, err)
	}
	cmd := exec.Command(sshPath, args...)
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exitErr):
		return string(out), exitErr.ExitCode()
	default:
		t.Fatalf("running %s: %v", sshPath, err)
		return "", 0
	}
}
