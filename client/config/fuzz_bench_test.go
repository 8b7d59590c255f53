package config

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realWorldConfigs are the files under testdata/realworld: distribution
// system files and typical user files, used as fuzz seeds.
func realWorldConfigs(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob("testdata/realworld/*")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no testdata/realworld configs: %v", err)
	}
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, withoutUnsafeLines(string(b)))
	}
	return out
}

// withoutUnsafeLines drops the lines the fuzzers would skip the whole
// input for, so the rest of a real-world file still seeds them.
func withoutUnsafeLines(text string) string {
	var keep []string
	for _, l := range strings.Split(text, "\n") {
		if !fuzzUnsafe(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// fuzzUnsafe reports input the fuzzers must not run: Match exec would run
// arbitrary commands, and Include would read arbitrary files.
func fuzzUnsafe(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "exec") || strings.Contains(l, "include")
}

// FuzzResolve feeds arbitrary configuration text, a host and one -o line
// through Resolve and WriteG: no panic, no hang, and a successful Resolve
// always prints. Every forwarding round-trips through String and
// ParseForward: the resolved ones, and the -o line read as a -L, -R and
// -D argument.
func FuzzResolve(f *testing.F) {
	for _, s := range realWorldConfigs(f) {
		f.Add(s, "web01.prod.example.com", "User x")
	}
	for _, line := range moreBadLines {
		f.Add("Port 22\n"+line+"\n", "h", line)
	}
	for name, values := range keywordValues {
		f.Add(name+" "+values[0]+"\n", "Tok.Example", name+"="+values[len(values)-1])
	}
	f.Add("CanonicalizeHostname always\nCanonicalDomains a.example b.example\nMatch canonical final\n User c\n", "x", "ProxyJump a,b")
	f.Add("Host *\n ControlPath %C%d%h%i%k%L%l%n%p%r%u%%${HOME}\n", "::1", "HostName %h")
	f.Add("LocalForward /tmp/a\\:b /run/c d\nRemoteForward [*]:0\nDynamicForward 1080:/x\n", "h", "/tmp/my socket:/run/r.sock")
	f.Add("RemoteForward 2222 socks:80\nLocalForward 1 socks:2\n", "h", `[::1]:8080:a\]b:80`)
	f.Fuzz(func(t *testing.T, text, host, opt string) {
		if fuzzUnsafe(text) || fuzzUnsafe(opt) {
			return // no commands or file access from fuzz input
		}
		for _, kind := range []ForwardKind{ForwardLocal, ForwardRemote, ForwardDynamic} {
			if fwd, ok := ParseForward(kind, opt); ok {
				checkForwardRoundTrip(t, fwd)
			}
		}
		cfg := filepath.Join(t.TempDir(), "cfg")
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Resolve(Request{Host: host, ConfigFile: cfg, Options: []string{opt}, HomeDir: "/home/u",
			LocalUser: "u", Env: map[string]string{"HOME": "/home/u"},
			LookupHost: func(h string) ([]string, error) {
				if strings.HasPrefix(h, "x.") {
					return []string{"192.0.2.1"}, nil
				}
				return nil, fs.ErrNotExist
			}})
		if err != nil {
			if c != nil {
				t.Fatalf("Resolve returned a Config with error %v", err)
			}
			return
		}
		var b strings.Builder
		if err := c.WriteG(&b); err != nil {
			t.Fatalf("WriteG: %v", err)
		}
		if !strings.HasPrefix(b.String(), "host "+host+"\n") {
			t.Fatalf("-G output does not start with the host: %q", b.String()[:min(80, b.Len())])
		}
		for _, list := range [][]Forward{c.LocalForwards, c.RemoteForwards, c.DynamicForwards} {
			for _, fwd := range list {
				// % tokens are expanded in paths after the spec was
				// checked, so they may outgrow sun_path.
				if len(fwd.Listen.Path) < 108 && len(fwd.Connect.Path) < 108 {
					checkForwardRoundTrip(t, fwd)
				}
			}
		}
	})
}

// checkForwardRoundTrip fails unless ParseForward reads f.String() back
// as f.
func checkForwardRoundTrip(t *testing.T, f Forward) {
	t.Helper()
	if back, ok := ParseForward(f.Kind, f.String()); !ok || back != f {
		t.Fatalf("ParseForward(%v, %q) = %+v, %v; want %+v", f.Kind, f.String(), back, ok, f)
	}
}

// benchHome copies testdata/bench (a 200-line configuration that pulls in
// conf.d/*.conf) to HOME/.ssh of a new directory, as a user would have
// it, and returns HOME.
func benchHome(b *testing.B) string {
	b.Helper()
	home := b.TempDir()
	dst := filepath.Join(home, ".ssh")
	err := filepath.WalkDir("testdata/bench", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/bench", path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o600)
	})
	if err != nil {
		b.Fatal(err)
	}
	return home
}

// BenchmarkResolve measures resolution per host (issue 7): user file with
// Includes, the Debian system file, Host and Match blocks, tokens and -G
// output, for hosts that hit different parts of the configuration.
func BenchmarkResolve(b *testing.B) {
	home := benchHome(b)
	sys := "testdata/realworld/debian-ssh_config"
	for _, host := range []string{"web07", "db-main", "dev3", "legacy-box", "unmatched.example.net"} {
		b.Run(host, func(b *testing.B) {
			req := Request{Host: host, HomeDir: home, LocalUser: "u", SystemConfig: sys,
				Env:        map[string]string{"HOME": home},
				LookupHost: func(string) ([]string, error) { return nil, fs.ErrNotExist }}
			if _, err := Resolve(req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				c, err := Resolve(req)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.WriteG(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBenchConfig keeps the benchmark's configuration valid and realistic:
// about 200 lines, Includes applied, and the same -G output as ssh.
func TestBenchConfig(t *testing.T) {
	lines := 0
	_ = filepath.WalkDir("testdata/bench", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			lines += strings.Count(string(b), "\n")
		}
		return nil
	})
	if lines < 180 {
		t.Errorf("benchmark config has %d lines, want about 200", lines)
	}
	dir := t.TempDir()
	files := map[string]string{}
	_ = filepath.WalkDir("testdata/bench", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel("testdata/bench", path)
			files[rel] = strings.ReplaceAll(string(b), "Include conf.d/", "Include "+dir+"/conf.d/")
		}
		return nil
	})
	files["cfg"] = files["config"]
	for _, host := range []string{"web07", "db-main", "dev3", "legacy-box", "bastion2"} {
		t.Run(host, func(t *testing.T) {
			sshPath(t)
			for name, content := range files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cfg := filepath.Join(dir, "cfg")
			want, stderr, status := sshG(t, "-G", "-F", cfg, host)
			if status != 0 {
				t.Fatalf("ssh: %s", stderr)
			}
			got, err := gsshG(gsshRequest(host, cfg, nil))
			if err != nil {
				t.Fatal(err)
			}
			if d := diffG(want, stderr, got); d != "" {
				t.Errorf("ssh vs gssh:\n%s", d)
			}
		})
	}
}
