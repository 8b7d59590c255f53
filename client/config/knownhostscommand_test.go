package config

import (
	"slices"
	"strings"
	"testing"
)

// TestKnownHostsCommandArgv pins load_hostkeys_command's argument vector
// (measured with /usr/bin/ssh 9.2 and a script printing its argv): words
// split with quotes, tokens expanded inside each word after the first,
// so a hostile value stays one argument and never meets a shell.
func TestKnownHostsCommandArgv(t *testing.T) {
	c, err := resolveText(t, "Host h\n HostName x';touch /tmp/p;'$(id)\n Port 2200\n User ru\n"+
		"KnownHostsCommand /bin/k%h 'a b' \"c'd\" e\\ f %% %H %h %I %t %f %K %k %n %p %r %u %d ${HOME} #x %%h\n")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.KnownHostsCommandArgv(KnownHostsQuery{Invocation: "HOSTNAME", Name: "[x]:2200",
		KeyType: "ssh-ed25519", Fingerprint: "SHA256:abc", Key: "AAAA"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/bin/k%h", "a b", "c'd", "e f", "%", "[x]:2200", "x;touch /tmp/p;$(id)", "HOSTNAME",
		"ssh-ed25519", "SHA256:abc", "AAAA", "h", "h", "2200", "ru", "u", "/home/u", "/home/u", "#x", "%h"}
	if !slices.Equal(got, want) {
		t.Fatalf("argv\n got %q\nwant %q", got, want)
	}
	order, err := c.KnownHostsCommandArgv(KnownHostsQuery{Invocation: "ORDER", Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order[7:11], " ") != "ORDER NONE NONE NONE" {
		t.Fatalf("ORDER run: %q, want %%I ORDER and NONE for the key tokens", order[7:11])
	}
}

func TestKnownHostsCommandArgvErrors(t *testing.T) {
	for _, cmd := range []string{"/bin/k %Z", "/bin/k %", "/bin/k ${NO_SUCH_VARIABLE}", "/bin/k %j"} {
		c, err := resolveText(t, "KnownHostsCommand "+cmd+"\n")
		if err != nil {
			t.Fatal(err)
		}
		if argv, err := c.KnownHostsCommandArgv(KnownHostsQuery{Invocation: "ORDER"}); err == nil {
			t.Errorf("%q expanded to %q, want an error", cmd, argv)
		}
	}
	for _, none := range []string{"", "KnownHostsCommand none\n"} {
		c, err := resolveText(t, none)
		if err != nil {
			t.Fatal(err)
		}
		if argv, err := c.KnownHostsCommandArgv(KnownHostsQuery{}); argv != nil || err != nil {
			t.Errorf("%q: got %q, %v; want no command", none, argv, err)
		}
	}
}

// TestHostKeyAlgorithmsSetOnlyWhenWrittenOut: ssh.c keeps a list the user
// wrote verbatim but orders the default, and "+"/"-" changes to it, by
// the keys already known.
func TestHostKeyAlgorithmsSetOnlyWhenWrittenOut(t *testing.T) {
	for _, c := range []struct {
		line string
		set  bool
	}{
		{"", false},
		{"HostKeyAlgorithms +ssh-rsa\n", false},
		{"HostKeyAlgorithms -ssh-ed25519\n", false},
		{"HostKeyAlgorithms ^ssh-rsa\n", true},
		{"HostKeyAlgorithms ssh-ed25519,rsa-sha2-512\n", true},
	} {
		cfg, err := resolveText(t, c.line)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.HostKeyAlgorithmsSet != c.set {
			t.Errorf("%q: HostKeyAlgorithmsSet %v, want %v", c.line, cfg.HostKeyAlgorithmsSet, c.set)
		}
		if slices.Contains(cfg.HostKeyAlgorithms, "ssh-rsa") != strings.Contains(c.line, "ssh-rsa") {
			t.Errorf("%q: HostKeyAlgorithms %q", c.line, cfg.HostKeyAlgorithms)
		}
	}
}

// FuzzKnownHostsCommandArgv: any command and query values either expand
// or fail cleanly; a value substituted for a token is never split into
// more arguments, whatever it holds.
func FuzzKnownHostsCommandArgv(f *testing.F) {
	f.Add("/bin/k %H 'a b' \"c'd\" e\\ f %% ${HOME} #x", "[h]:22", "AAAA")
	f.Add("/bin/k '%H' \"%K\"", "a b'c\"d", "x y")
	f.Add("'unterminated %H", "h", "")
	c, err := Resolve(Request{Host: "h", ConfigFile: "none", HomeDir: "/home/u", LocalUser: "u", Env: map[string]string{"HOME": "/home/u"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, command, name, key string) {
		c.KnownHostsCommand = command
		words, ok := argvSplitComments(command, false)
		argv, err := c.KnownHostsCommandArgv(KnownHostsQuery{Invocation: "HOSTNAME", Name: name, Key: key})
		switch {
		case err != nil:
			return
		case optionNone(command):
			if argv != nil {
				t.Fatalf("%q: argv %q for no command", command, argv)
			}
		case !ok || len(argv) != len(words):
			t.Fatalf("%q: %d arguments from %d words (split ok %v)", command, len(argv), len(words), ok)
		case argv[0] != words[0]:
			t.Fatalf("%q: program %q expanded from %q", command, argv[0], words[0])
		}
	})
}
