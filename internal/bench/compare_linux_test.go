package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// sshPath is OpenSSH's client, the reference every figure is divided by.
const sshPath = "/usr/bin/ssh"

// The like-for-like rows pin both clients to one key exchange and one
// cipher. curve25519-sha256 is the best exchange both have: OpenSSH 9.2
// prefers sntrup761x25519-sha512, which x/crypto lacks (OPENSSH-NOTES §9).
const (
	kex      = "curve25519-sha256"
	aesGCM   = "aes128-gcm@openssh.com"
	chacha20 = "chacha20-poly1305@openssh.com"
)

// benchParams are the knobs of one run, from the environment so that
// `make bench BENCH_SIZE=256M` works.
type benchParams struct {
	size     int64  // bytes per bulk transfer (GSSH_BENCH_SIZE, default 1G)
	rounds   int    // rounds of the transfer rows (GSSH_BENCH_ROUNDS, default 4, even)
	quick    int    // rounds of the connect and master rows (10×rounds)
	slow     int    // rounds of the master RSS, keepalive and -tt rows (2)
	sessions int    // sessions held open through each master
	out      string // where the table is written (GSSH_BENCH_OUT)
}

func paramsFromEnv(b *testing.B) benchParams {
	p := benchParams{size: 1 << 30, rounds: 4, slow: 2, sessions: 100, out: filepath.Join("..", "..", "docs", "bench-results.txt")}
	if v := os.Getenv("GSSH_BENCH_SIZE"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			b.Fatalf("GSSH_BENCH_SIZE: %v", err)
		}
		p.size = n
	}
	if v := os.Getenv("GSSH_BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("GSSH_BENCH_ROUNDS: want an even number, got %q", v)
		}
		if _, err := Schedule(n); err != nil {
			b.Fatalf("GSSH_BENCH_ROUNDS: %v", err)
		}
		p.rounds = n
	}
	if v, ok := os.LookupEnv("GSSH_BENCH_OUT"); ok {
		p.out = v
	}
	p.quick = 10 * p.rounds
	return p
}

// parseSize reads a byte count with an optional K, M or G (powers of 1024).
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a size like 1G, 256M or 4096, got %q", s)
	}
	return n * mult, nil
}

// client is one of the two programs under comparison.
type client struct {
	name, path string
}

// server is an sshd and the options both clients add for it.
type server struct {
	*sshdtest.Server
	// opts pin the key exchange and cipher on the client side; the
	// server offers nothing else, so even a client that ignored them
	// could not negotiate anything else.
	opts []string
	// cipher is the one cipher offered; empty for sshd's defaults.
	cipher string
	// label names the algorithms in row names.
	label string
}

// likeForLike starts an sshd that offers only curve25519-sha256 and
// cipher.
func likeForLike(b *testing.B, cipher string) *server {
	s := sshdtest.Start(b, sshdtest.Options{ExtraConfig: []string{"KexAlgorithms " + kex, "Ciphers " + cipher}})
	return &server{Server: s, opts: []string{"-o", "KexAlgorithms=" + kex, "-c", cipher}, cipher: cipher, label: cipher}
}

// bench holds what every scenario shares.
type bench struct {
	b       *testing.B
	p       benchParams
	clients [2]client
	// aes and chacha offer one key exchange and one cipher each; defaults
	// offers sshd's defaults, and neither client is given options.
	aes, chacha, defaults *server
	rows                  []Row
}

// BenchmarkCompare runs gssh and OpenSSH's ssh alternately against sshd
// on loopback and writes a table of medians, ranges and gssh/ssh ratios
// to GSSH_BENCH_OUT (docs/bench-results.txt): first the like-for-like
// rows (same key exchange, same cipher, transfers timed from their first
// byte), then each side's defaults, then gssh-only rows. Run it with
// `make bench`, or:
//
//	GSSH_BENCH_SIZE=256M go test -run '^$' -bench Compare -benchtime 1x ./internal/bench/
func BenchmarkCompare(b *testing.B) {
	if _, err := os.Stat(sshPath); err != nil {
		testenv.SkipOrFail(b, "OpenSSH client not installed: %v", err)
	}
	p := paramsFromEnv(b)
	// GSSH_BENCH_BIN compares a prebuilt gssh (another revision, say)
	// instead of building this tree's.
	bin := os.Getenv("GSSH_BENCH_BIN")
	if bin == "" {
		var err error
		if bin, err = sshdtest.Build(b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
	bb := &bench{
		b: b, p: p, clients: [2]client{{"gssh", bin}, {"ssh", sshPath}},
		aes:      likeForLike(b, aesGCM),
		chacha:   likeForLike(b, chacha20),
		defaults: &server{Server: sshdtest.Start(b, sshdtest.Options{}), label: "each side's defaults"},
	}
	for _, srv := range []*server{bb.aes, bb.chacha} {
		bb.checkPinned(srv)
	}
	sshKex, sshCipher := bb.negotiated(bb.defaults)
	for b.Loop() {
		bb.heading(fmt.Sprintf("like for like: both clients on %s and the cipher named (%s where none is); rates and CPU from the first byte", kex, aesGCM))
		bb.connect(bb.aes)
		bb.master(bb.aes)
		for _, dir := range []string{"download", "upload"} {
			for _, srv := range []*server{bb.aes, bb.chacha} {
				bb.transfer(dir, srv)
			}
		}
		bb.forward(bb.aes)
		bb.masterSessions(bb.aes)
		bb.keepalive(bb.aes)
		// gssh prints no kex lines; its choice is x/crypto's order
		// (client/config/ciphers_test.go pins the cipher).
		bb.heading(fmt.Sprintf("each side's defaults, not like for like: ssh negotiated %s and %s (ssh -v); gssh its own, %s and %s", sshKex, sshCipher, kex, aesGCM))
		bb.connect(bb.defaults)
		for _, dir := range []string{"download", "upload"} {
			bb.transfer(dir, bb.defaults)
		}
		bb.heading("gssh only, " + aesGCM)
		bb.escapeOverhead(bb.aes)
	}
	bb.report()
}

// checkPinned fails the benchmark unless srv gives both clients the one
// key exchange and cipher of its row: ssh -v must report them, and gssh
// asking for anything else must be refused with the server's offer being
// that one algorithm, so what gssh negotiates there can only be it.
func (bb *bench) checkPinned(srv *server) {
	bb.b.Helper()
	cipher := srv.cipher
	if k, c := bb.negotiated(srv); k != kex || c != cipher {
		bb.b.Fatalf("sshd for %s: ssh negotiated %s and %s", srv.label, k, c)
	}
	other := aesGCM
	if cipher == aesGCM {
		other = chacha20
	}
	for _, try := range []struct {
		opts []string
		want string
	}{
		{[]string{"-c", other}, cipher},
		{[]string{"-o", "KexAlgorithms=ecdh-sha2-nistp256"}, kex},
	} {
		args := append([]string{"-F", srv.ClientConfig, "-o", "ControlMaster=no", "-o", "ControlPath=none"}, try.opts...)
		out, err := exec.Command(bb.clients[0].path, append(args, "sshd", "true")...).CombinedOutput()
		if err == nil {
			bb.b.Fatalf("sshd for %s accepted gssh %s", srv.label, strings.Join(try.opts, " "))
		}
		if offer := serverOffer(string(out)); len(offer) != 1 || offer[0] != try.want {
			bb.b.Fatalf("sshd for %s offers %v, want only %s: gssh said %q", srv.label, offer, try.want, out)
		}
	}
}

// serverOffer is the list after "Their offer:" in a negotiation failure,
// without the pseudo-algorithms that only signal extensions.
func serverOffer(msg string) []string {
	_, list, _ := strings.Cut(msg, "Their offer: ")
	f := strings.Fields(list)
	if len(f) == 0 {
		return nil
	}
	var algs []string
	for _, a := range strings.Split(f[0], ",") {
		if !strings.HasPrefix(a, "kex-strict-") && !strings.HasPrefix(a, "ext-info-") {
			algs = append(algs, a)
		}
	}
	return algs
}

// negotiated is the key exchange and server-to-client cipher that ssh -v
// reports for a connection to srv with the row's options.
func (bb *bench) negotiated(srv *server) (kexAlg, cipher string) {
	bb.b.Helper()
	out, err := exec.Command(sshPath, bb.args(srv, "-v", "sshd", "true")...).CombinedOutput()
	if err != nil {
		bb.b.Fatalf("ssh -v: %v: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "debug1: kex: algorithm: "); ok {
			kexAlg = v
		}
		if v, ok := strings.CutPrefix(line, "debug1: kex: server->client cipher: "); ok {
			cipher, _, _ = strings.Cut(v, " ")
		}
	}
	if kexAlg == "" || cipher == "" {
		bb.b.Fatalf("ssh -v named no key exchange or cipher: %s", out)
	}
	return kexAlg, cipher
}

func (bb *bench) heading(name string) {
	bb.rows = append(bb.rows, Row{Heading: true, Name: name})
}

// args starts every command line: the server's config and algorithms,
// no master unless asked for, and for ssh no connection reuse from the
// user's own config.
func (bb *bench) args(srv *server, extra ...string) []string {
	args := append([]string{"-F", srv.ClientConfig, "-o", "ControlMaster=no", "-o", "ControlPath=none"}, srv.opts...)
	return append(args, extra...)
}

// alternate runs f for side 0 and side 1 (the two clients, unless a row
// says otherwise), rounds times, in the order of Schedule.
func (bb *bench) alternate(rounds int, f func(side int) Sample) (a, b []Sample) {
	bb.b.Helper()
	order, err := Schedule(rounds)
	if err != nil {
		bb.b.Fatal(err)
	}
	for _, side := range order {
		smp := f(side)
		if side == 0 {
			a = append(a, smp)
		} else {
			b = append(b, smp)
		}
	}
	return a, b
}

// must runs cmd and fails the benchmark on error.
func (bb *bench) must(cmd *exec.Cmd) Sample {
	bb.b.Helper()
	smp, err := Measure(cmd)
	if err != nil {
		bb.b.Fatal(err)
	}
	return smp
}

// cpuNow reads a running client's CPU clock.
func (bb *bench) cpuNow(cmd *exec.Cmd) time.Duration {
	bb.b.Helper()
	cpu, err := ProcessCPU(cmd.Process.Pid)
	if err != nil {
		bb.b.Fatal(err)
	}
	return cpu
}

func seconds(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = s.Wall.Seconds()
	}
	return out
}

// connect is a fresh connection running `true`: DNS-free TCP connect, key
// exchange, public-key authentication, one session.
func (bb *bench) connect(srv *server) {
	g, o := bb.alternate(bb.p.quick, func(side int) Sample {
		return bb.must(exec.Command(bb.clients[side].path, bb.args(srv, "sshd", "true")...))
	})
	bb.rows = append(bb.rows, Row{Name: "connect + true, " + srv.label, Unit: "s", Prec: 3, GSSH: seconds(g), SSH: seconds(o), Goal: AtMost, Target: 0.8})
}

// report prints the table and writes it, with the machine and date, to
// the output file.
func (bb *bench) report() {
	var b bytes.Buffer
	fmt.Fprintf(&b, "gssh vs OpenSSH ssh, %s, %s, %d CPUs (%s), %s/%s, %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), cpuModel(), runtime.NumCPU(), sshVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "sshd on 127.0.0.1; every row alternates gssh and ssh, each first in half the rounds (ABBA); medians [min–max]\n")
	fmt.Fprintf(&b, "transfers of %d MiB, %d rounds; connect/master rows %d rounds; master RSS, keepalive and -tt rows %d rounds\n",
		bb.p.size>>20, bb.p.rounds, bb.p.quick, bb.p.slow)
	if err := WriteTable(&b, bb.rows); err != nil {
		bb.b.Fatal(err)
	}
	fmt.Print("\n" + b.String())
	if bb.p.out != "" {
		if err := os.WriteFile(bb.p.out, b.Bytes(), 0o644); err != nil {
			bb.b.Fatal(err)
		}
		fmt.Printf("\nwritten to %s\n", bb.p.out)
	}
}

func cpuModel() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func sshVersion() string {
	out, _ := exec.Command(sshPath, "-V").CombinedOutput()
	return strings.TrimSpace(string(out))
}
