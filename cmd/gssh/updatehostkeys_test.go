//go:build unix

package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/gssh/gssh/internal/sshdtest"
)

// Tests for UpdateHostKeys (hostkeys-00@openssh.com and
// hostkeys-prove-00@openssh.com): an sshd whose host keys come and go
// between connections, /usr/bin/ssh and gssh each run on the same
// known_hosts content, and the files they leave compared line by line
// (hashed names compared by the name they hash), with the .old backup
// ssh keeps and the messages ssh prints at LogLevel VERBOSE.

// rotatingServer is an sshd loading its host keys from live, where have
// puts copies of the ed25519, ECDSA and RSA keys made in all.
type rotatingServer struct {
	*sshdtest.Server
	all, live string
	pub       map[string]string // "ed", "ec", "rsa" → "type base64"
}

var rotatingKeys = []string{"ed", "ec", "rsa"}

func startRotating(t *testing.T, extra ...string) *rotatingServer {
	t.Helper()
	dir := t.TempDir()
	r := &rotatingServer{all: filepath.Join(dir, "all"), live: filepath.Join(dir, "live"), pub: map[string]string{}}
	for _, d := range []string{r.all, r.live} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	typ := map[string][]string{"ed": {"-t", "ed25519"}, "ec": {"-t", "ecdsa"}, "rsa": {"-t", "rsa", "-b", "2048"}}
	var files []string
	for _, k := range rotatingKeys {
		r.pub[k] = keygen(t, filepath.Join(r.all, k), typ[k]...)
		files = append(files, filepath.Join(r.live, k))
	}
	r.have(t, "ed")
	r.Server = sshdtest.Start(t, sshdtest.Options{HostKeys: files, ExtraConfig: extra})
	return r
}

// have makes the server's next connections use exactly the keys named.
func (r *rotatingServer) have(t *testing.T, names ...string) {
	t.Helper()
	for _, k := range rotatingKeys {
		for _, suffix := range []string{"", ".pub"} {
			os.Remove(filepath.Join(r.live, k+suffix))
		}
	}
	for _, k := range names {
		for _, suffix := range []string{"", ".pub"} {
			b, err := os.ReadFile(filepath.Join(r.all, k+suffix))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(r.live, k+suffix), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// name is the server's known_hosts name.
func (r *rotatingServer) name() string { return "[" + r.Host + "]:" + strconv.Itoa(r.Port) }

// line is a known_hosts line for the server's name (hashed if asked).
func (r *rotatingServer) line(key string, hashed bool) string {
	if hashed {
		return xknownhosts.HashHostname(r.name()) + " " + r.pub[key]
	}
	return r.name() + " " + r.pub[key]
}

// known lists, space-separated in rotatingKeys order, the keys text
// holds for the server's name, hashed or not.
func (r *rotatingServer) known(text string) string {
	var out []string
	for _, k := range rotatingKeys {
		for _, l := range strings.Split(text, "\n") {
			host, key, _ := strings.Cut(l, " ")
			if key == r.pub[k] && (host == r.name() || unhash(host, []string{r.name()}) == "HASHED("+r.name()+")") {
				out = append(out, k)
				break
			}
		}
	}
	return strings.Join(out, " ")
}

// updateArgs connect to the server with UpdateHostKeys=yes at VERBOSE,
// with the given known_hosts files and options before the defaults.
func (r *rotatingServer) updateArgs(known string, extra ...string) []string {
	args := []string{"-F", "none", "-p", strconv.Itoa(r.Port), "-i", r.UserKey, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"}
	args = append(args, extra...)
	return append(args, "-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "UserKnownHostsFile="+known,
		"-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=yes", "-o", "LogLevel=VERBOSE", r.Host, "true")
}

// verboseNoise are the VERBOSE lines whose numbers differ between ssh and
// gssh (the bytes each moved); both print them, and both lose them here.
var verboseNoise = []string{"Transferred: ", "Bytes per second: "}

func withoutNoise(stderr string) string {
	var keep []string
	for _, l := range strings.SplitAfter(stderr, "\n") {
		noise := false
		for _, p := range verboseNoise {
			noise = noise || strings.HasPrefix(l, p)
		}
		if !noise && l != "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// knownFiles are known_hosts files and the content each starts with.
type knownFiles map[string]string

func (k knownFiles) reset(t *testing.T) {
	t.Helper()
	for path, text := range k {
		os.Remove(path + ".old")
		if text == "\x00" { // missing
			os.Remove(path)
			continue
		}
		writeFile(t, path, text)
	}
}

// snapshot reads each file and its .old, hashed names shown as the name
// they hash ("HASHED(name)") when it is one of names.
func (k knownFiles) snapshot(t *testing.T, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for path := range k {
		for _, p := range []string{path, path + ".old"} {
			b, err := os.ReadFile(p)
			if err != nil {
				out[p] = "(missing)"
				continue
			}
			out[p] = unhash(string(b), names)
			if st, err := os.Stat(p); err == nil && p == path && string(b) != k[path] {
				out[p+" mode"] = st.Mode().Perm().String()
			}
		}
	}
	return out
}

// unhash replaces each "|1|salt|hash" field of text by HASHED(name) for
// the name of names it hashes.
func unhash(text string, names []string) string {
	fields := strings.Fields(strings.ReplaceAll(text, "\n", " \n "))
	for i, f := range fields {
		parts := strings.Split(f, "|")
		if !strings.HasPrefix(f, "|1|") || len(parts) != 4 {
			continue
		}
		salt, _ := base64.StdEncoding.DecodeString(parts[2])
		for _, n := range names {
			mac := hmac.New(sha1.New, salt)
			mac.Write([]byte(n))
			if base64.StdEncoding.EncodeToString(mac.Sum(nil)) == parts[3] {
				fields[i] = "HASHED(" + n + ")"
			}
		}
	}
	return strings.Join(fields, " ")
}

// updateLikeOpenSSH runs ssh and then gssh with args, each on files as
// they start, and fails unless both exit alike, print the same (VERBOSE
// noise aside) and leave the same files. It returns the files as left.
func updateLikeOpenSSH(t *testing.T, files knownFiles, names []string, args ...string) map[string]string {
	t.Helper()
	files.reset(t)
	want := runClient(t, "/usr/bin/ssh", nil, nil, args...)
	wantFiles := files.snapshot(t, names...)
	files.reset(t)
	got := runClient(t, gsshBin, nil, nil, args...)
	assertNoPanic(t, got)
	gotFiles := files.snapshot(t, names...)
	t.Logf("ssh: exit %d, stderr %q", want.code, want.stderr)
	if got.code != want.code || withoutNoise(got.stderr) != asGssh(withoutNoise(want.stderr)) {
		t.Errorf("gssh and ssh differ\n gssh %d %q\n  ssh %d %q", got.code, withoutNoise(got.stderr), want.code, withoutNoise(want.stderr))
	}
	for p, w := range wantFiles {
		if gotFiles[p] != w {
			t.Errorf("%s\n gssh: %q\n  ssh: %q", p, gotFiles[p], w)
		}
	}
	return gotFiles
}

// TestUpdateHostKeysLikeOpenSSH: as the server gains keys, then loses
// the one known_hosts first held, then another, UpdateHostKeys=yes adds
// the new keys after the server proved them, removes the old ones, keeps
// every other line (comments, other hosts) verbatim and the previous
// file as known_hosts.old, hashed when HashKnownHosts=yes, exactly as
// /usr/bin/ssh does on an identical file. Before, gssh ignored
// hostkeys-00@openssh.com and rotated servers later failed verification.
func TestUpdateHostKeysLikeOpenSSH(t *testing.T) {
	r := startRotating(t)
	for _, hashed := range []bool{false, true} {
		t.Run("HashKnownHosts="+strconv.FormatBool(hashed), func(t *testing.T) {
			known := filepath.Join(t.TempDir(), "known_hosts")
			hash := "-oHashKnownHosts=" + map[bool]string{false: "no", true: "yes"}[hashed]
			args := r.updateArgs(known, hash)
			other := "other.example " + keygen(t, filepath.Join(t.TempDir(), "other"), "-t", "ed25519")
			start := "# my hosts\n" + other + "\n\n" + r.line("ed", hashed) + "\n"
			steps := []struct {
				name   string
				keys   []string
				expect string // what known_hosts must hold for the server after the step
			}{
				{"nothing new", []string{"ed"}, "ed"},
				{"gains ECDSA and RSA", []string{"ed", "ec", "rsa"}, "ed ec rsa"},
				{"loses ED25519", []string{"ec", "rsa"}, "ec rsa"},
				{"loses RSA", []string{"ec"}, "ec"},
			}
			for _, step := range steps {
				r.have(t, step.keys...)
				files := knownFiles{known: start}
				updateLikeOpenSSH(t, files, []string{r.name()}, args...)
				text, err := os.ReadFile(known)
				if err != nil {
					t.Fatal(err)
				}
				if got := r.known(string(text)); got != step.expect {
					t.Errorf("%s: known_hosts holds %q for the server, want %q:\n%s", step.name, got, step.expect, text)
				}
				if !strings.HasPrefix(string(text), "# my hosts\n"+other+"\n\n") {
					t.Errorf("%s: other lines changed:\n%s", step.name, text)
				}
				start = string(text)
			}
		})
	}
}

// without returns args without the option "-o" opt.
func without(args []string, opt string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-o" && i+1 < len(args) && args[i+1] == opt {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// TestUpdateHostKeysRefusedLikeOpenSSH: the cases in which ssh 9.2 leaves
// known_hosts alone although the server announced a new key, and a few
// look-alikes in which it does not, each run with /usr/bin/ssh and gssh
// on identical files: wildcard and CA or revocation lines for the host,
// more than "host,address" on a line, the server's key or a retired key
// known under another name, a key trusted through GlobalKnownHostsFile,
// KnownHostsCommand, the name without port, accept-new,
// NoHostAuthenticationForLocalhost or StrictHostKeyChecking=no with a
// changed key, HostKeyAlgorithms that exclude the new key, BatchMode with
// ask, the default (off with a UserKnownHostsFile of one's own), and
// several UserKnownHostsFiles (keys go to the first, the host's lines
// leave the others).
func TestUpdateHostKeysRefusedLikeOpenSSH(t *testing.T) {
	r := startRotating(t)
	r.have(t, "ed", "ec")
	dir := t.TempDir()
	old := keygen(t, filepath.Join(dir, "old"), "-t", "ed25519")
	kh, kh2, global := filepath.Join(dir, "known_hosts"), filepath.Join(dir, "known_hosts2"), filepath.Join(dir, "global")
	khc := filepath.Join(dir, "khc")
	writeFile(t, khc, "#!/bin/sh\necho '"+r.line("ed", false)+"'\n")
	if err := os.Chmod(khc, 0o755); err != nil {
		t.Fatal(err)
	}
	ed := r.line("ed", false) + "\n"
	name := r.name()
	const missing = "\x00"
	cases := []struct {
		name    string
		files   knownFiles
		extra   []string
		changed bool // the first file changes
	}{
		{"plain", knownFiles{kh: ed}, nil, true},
		{"wildcard pattern", knownFiles{kh: "[127.0.0.1]:* " + r.pub["ed"] + "\n"}, nil, false},
		{"host and one more name", knownFiles{kh: name + ",a.example " + r.pub["ed"] + "\n"}, nil, true},
		{"three names", knownFiles{kh: "a.example,b.example," + name + " " + r.pub["ed"] + "\n"}, nil, false},
		{"CA line for the host", knownFiles{kh: ed + "@cert-authority " + name + " " + old + "\n"}, nil, false},
		{"revoked line for the host", knownFiles{kh: ed + "@revoked " + name + " " + old + "\n"}, nil, false},
		{"new key known under another name", knownFiles{kh: ed + "other.example " + r.pub["ec"] + "\n"}, nil, false},
		{"retired key known under another name", knownFiles{kh: ed + name + " " + old + "\nother.example " + old + "\n"}, nil, false},
		{"retired key", knownFiles{kh: "# before\n" + ed + name + " " + old + "\n# after\n"}, nil, true},
		{"GlobalKnownHostsFile", knownFiles{kh: "", global: ed}, []string{"-o", "GlobalKnownHostsFile=" + global}, false},
		{"KnownHostsCommand", knownFiles{kh: ""}, []string{"-o", "KnownHostsCommand=" + khc}, false},
		{"accept-new", knownFiles{kh: ""}, []string{"-o", "StrictHostKeyChecking=accept-new"}, true},
		{"known without port", knownFiles{kh: "127.0.0.1 " + r.pub["ed"] + "\n"}, nil, false},
		{"changed key, StrictHostKeyChecking=no", knownFiles{kh: name + " " + old + "\n"}, []string{"-o", "StrictHostKeyChecking=no"}, false},
		{"NoHostAuthenticationForLocalhost", knownFiles{kh: ed}, []string{"-o", "NoHostAuthenticationForLocalhost=yes"}, false},
		{"HostKeyAlgorithms without ECDSA", knownFiles{kh: ed}, []string{"-o", "HostKeyAlgorithms=ssh-ed25519"}, false},
		{"UpdateHostKeys=no", knownFiles{kh: ed}, []string{"-o", "UpdateHostKeys=no"}, false},
		{"ask in BatchMode", knownFiles{kh: ed}, []string{"-o", "UpdateHostKeys=ask"}, false},
		{"ask with a command", knownFiles{kh: ed}, []string{"-o", "BatchMode=no", "-o", "UpdateHostKeys=ask"}, false},
		{"CheckHostIP on loopback", knownFiles{kh: ed}, []string{"-o", "CheckHostIP=yes"}, true},
		{"HostKeyAlias", knownFiles{kh: "alias.example " + r.pub["ed"] + "\n"}, []string{"-o", "HostKeyAlias=alias.example"}, true},
		{"key in the second file", knownFiles{kh: "", kh2: ed}, []string{"-o", "UserKnownHostsFile=" + kh + " " + kh2}, true},
		{"second file missing", knownFiles{kh: ed, kh2: missing}, []string{"-o", "UserKnownHostsFile=" + kh + " " + kh2}, true},
		{"first file missing", knownFiles{kh: missing, kh2: ed}, []string{"-o", "UserKnownHostsFile=" + kh + " " + kh2}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := r.updateArgs(kh, c.extra...)
			updateLikeOpenSSH(t, c.files, []string{name, "alias.example"}, args...)
			b, _ := os.ReadFile(kh)
			if changed := string(b) != c.files[kh] && !(c.files[kh] == missing && len(b) == 0); changed != c.changed {
				t.Errorf("known_hosts changed: %v, want %v\n%s", changed, c.changed, b)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		files := knownFiles{kh: ed}
		updateLikeOpenSSH(t, files, []string{name}, without(r.updateArgs(kh), "UpdateHostKeys=yes")...)
		if b, _ := os.ReadFile(kh); string(b) != ed {
			t.Errorf("known_hosts changed with a UserKnownHostsFile of one's own:\n%s", b)
		}
	})
}

// TestUpdateHostKeysNotWithCertificateLikeOpenSSH: a server trusted
// through a host certificate never changes known_hosts through
// UpdateHostKeys (check_host_key turns it off), whether the CA line is
// alone or beside a plain key of the host; ssh and gssh on the same
// files.
func TestUpdateHostKeysNotWithCertificateLikeOpenSSH(t *testing.T) {
	dir := t.TempDir()
	ca, ed, ec := filepath.Join(dir, "ca"), filepath.Join(dir, "ed"), filepath.Join(dir, "ec")
	caPub := keygen(t, ca, "-t", "ed25519")
	edPub := keygen(t, ed, "-t", "ed25519")
	keygen(t, ec, "-t", "ecdsa")
	if out, err := exec.Command("ssh-keygen", "-q", "-s", ca, "-h", "-I", "host", ed+".pub").CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	s := sshdtest.Start(t, sshdtest.Options{HostKeys: []string{ed, ec}, ExtraConfig: []string{"HostCertificate " + ed + "-cert.pub"}})
	r := &rotatingServer{Server: s}
	kh := filepath.Join(dir, "known_hosts")
	for _, known := range []string{
		"@cert-authority " + r.name() + " " + caPub + "\n",
		"@cert-authority " + r.name() + " " + caPub + "\n" + r.name() + " " + edPub + "\n",
	} {
		updateLikeOpenSSH(t, knownFiles{kh: known}, []string{r.name()}, r.updateArgs(kh)...)
		if b, _ := os.ReadFile(kh); string(b) != known {
			t.Errorf("known_hosts changed:\n%s", b)
		}
	}
}
