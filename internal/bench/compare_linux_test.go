package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/escape"
	"github.com/gssh/gssh/internal/sshdtest"
	"github.com/gssh/gssh/internal/testenv"
)

// sshPath is OpenSSH's client, the reference every figure is divided by.
const sshPath = "/usr/bin/ssh"

// Ciphers both clients are forced to for the like-for-like rows.
const (
	aesGCM   = "aes128-gcm@openssh.com"
	chacha20 = "chacha20-poly1305@openssh.com"
)

// benchParams are the knobs of one run, from the environment so that
// `make bench BENCH_SIZE=256M` works.
type benchParams struct {
	size     int64  // bytes per bulk transfer (GSSH_BENCH_SIZE, default 1G)
	rounds   int    // rounds of the transfer rows (GSSH_BENCH_ROUNDS, default 3)
	quick    int    // rounds of the connect and master rows (10×rounds)
	sessions int    // sessions held open through each master
	out      string // where the table is written (GSSH_BENCH_OUT)
}

func paramsFromEnv(b *testing.B) benchParams {
	p := benchParams{size: 1 << 30, rounds: 3, sessions: 100, out: filepath.Join("..", "..", "docs", "bench-results.txt")}
	if v := os.Getenv("GSSH_BENCH_SIZE"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			b.Fatalf("GSSH_BENCH_SIZE: %v", err)
		}
		p.size = n
	}
	if v := os.Getenv("GSSH_BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("GSSH_BENCH_ROUNDS: want a positive integer, got %q", v)
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

// bench holds what every scenario shares.
type bench struct {
	b       *testing.B
	s       *sshdtest.Server
	p       benchParams
	clients [2]client
	rows    []Row
}

// BenchmarkCompare runs gssh and OpenSSH's ssh alternately against one
// sshd on loopback and writes a table of medians, ranges and gssh/ssh
// ratios to GSSH_BENCH_OUT (docs/bench-results.txt). Run it with
// `make bench`, or:
//
//	GSSH_BENCH_SIZE=256M go test -run '^$' -bench Compare -benchtime 1x ./internal/bench/
func BenchmarkCompare(b *testing.B) {
	if _, err := os.Stat(sshPath); err != nil {
		testenv.SkipOrFail(b, "OpenSSH client not installed: %v", err)
	}
	p := paramsFromEnv(b)
	s := sshdtest.Start(b, sshdtest.Options{})
	// GSSH_BENCH_BIN compares a prebuilt gssh (another revision, say)
	// instead of building this tree's.
	bin := os.Getenv("GSSH_BENCH_BIN")
	if bin == "" {
		var err error
		if bin, err = sshdtest.Build(b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
	bb := &bench{b: b, s: s, p: p, clients: [2]client{{"gssh", bin}, {"ssh", sshPath}}}
	for b.Loop() {
		bb.connect()
		bb.master()
		for _, dir := range []string{"download", "upload"} {
			for _, c := range []string{"", aesGCM, chacha20} {
				bb.transfer(dir, c)
			}
		}
		bb.forward()
		bb.masterSessions()
		bb.escapeOverhead()
	}
	bb.report()
}

// args starts every command line: the server's config, no master unless
// asked for, and for ssh no connection reuse from the user's own config.
func (bb *bench) args(extra ...string) []string {
	return append([]string{"-F", bb.s.ClientConfig, "-o", "ControlMaster=no", "-o", "ControlPath=none"}, extra...)
}

// alternate runs f for each client in turn, rounds times, swapping which
// goes first every round so neither always meets a warm or cold server.
func (bb *bench) alternate(rounds int, f func(c client) Sample) (g, o []Sample) {
	for r := 0; r < rounds; r++ {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			smp := f(bb.clients[i])
			if i == 0 {
				g = append(g, smp)
			} else {
				o = append(o, smp)
			}
		}
	}
	return g, o
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

func seconds(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = s.Wall.Seconds()
	}
	return out
}

// connect is a fresh connection running `true`: DNS-free TCP connect, key
// exchange, public-key authentication, one session.
func (bb *bench) connect() {
	g, o := bb.alternate(bb.p.quick, func(c client) Sample {
		return bb.must(exec.Command(c.path, bb.args("sshd", "true")...))
	})
	bb.rows = append(bb.rows, Row{Name: "connect + true", Unit: "s", Prec: 3, GSSH: seconds(g), SSH: seconds(o), Goal: AtMost, Target: 0.8})
}

// startMaster starts a background master for c at path and returns its pid.
func (bb *bench) startMaster(c client, path string) int {
	bb.b.Helper()
	args := []string{"-F", bb.s.ClientConfig, "-M", "-S", path, "-o", "ControlPersist=yes", "-f", "-N", "sshd"}
	bb.must(exec.Command(c.path, args...))
	out, err := exec.Command(c.path, "-F", bb.s.ClientConfig, "-S", path, "-O", "check", "sshd").CombinedOutput()
	if err != nil {
		bb.b.Fatalf("%s -O check: %v: %s", c.name, err, out)
	}
	m := regexp.MustCompile(`pid=(\d+)`).FindSubmatch(out)
	if m == nil {
		bb.b.Fatalf("%s -O check: no pid in %q", c.name, out)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	return pid
}

// stopMaster asks the master at path to exit and waits until it has.
func (bb *bench) stopMaster(c client, path string, pid int) {
	exec.Command(c.path, "-F", bb.s.ClientConfig, "-S", path, "-O", "exit", "sshd").Run()
	for deadline := time.Now().Add(5 * time.Second); alive(pid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if alive(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// alive is kill -0 that counts zombies as dead: a backgrounded master is
// re-parented and may not be reaped in a container.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	f := strings.Fields(string(rest))
	return len(f) > 0 && f[0] != "Z"
}

// master is a session through each client's own master, and -O check.
func (bb *bench) master() {
	dir := bb.b.TempDir()
	paths := map[string]string{}
	pids := map[string]int{}
	for _, c := range bb.clients {
		paths[c.name] = filepath.Join(dir, c.name+".sock")
		pids[c.name] = bb.startMaster(c, paths[c.name])
	}
	defer func() {
		for _, c := range bb.clients {
			bb.stopMaster(c, paths[c.name], pids[c.name])
		}
	}()
	g, o := bb.alternate(bb.p.quick, func(c client) Sample {
		return bb.must(exec.Command(c.path, "-F", bb.s.ClientConfig, "-S", paths[c.name], "sshd", "true"))
	})
	bb.rows = append(bb.rows, Row{Name: "session via master (true)", Unit: "s", Prec: 4, GSSH: seconds(g), SSH: seconds(o), Goal: AtMost, Target: 1.0})
	g, o = bb.alternate(bb.p.quick, func(c client) Sample {
		return bb.must(exec.Command(c.path, "-F", bb.s.ClientConfig, "-S", paths[c.name], "-O", "check", "sshd"))
	})
	bb.rows = append(bb.rows, Row{Name: "-O check", Unit: "s", Prec: 4, GSSH: seconds(g), SSH: seconds(o)})
}

// transfer moves size bytes of zeros through one session, stdout to
// /dev/null for a download, stdin from a `head -c` pipe for an upload.
// Throughput counts the whole command, handshake included.
func (bb *bench) transfer(dir, cipher string) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		bb.b.Fatal(err)
	}
	defer null.Close()
	size := strconv.FormatInt(bb.p.size, 10)
	g, o := bb.alternate(bb.p.rounds, func(c client) Sample {
		extra := []string{}
		if cipher != "" {
			extra = append(extra, "-c", cipher)
		}
		if dir == "download" {
			cmd := exec.Command(c.path, bb.args(append(extra, "sshd", "head -c "+size+" /dev/zero")...)...)
			cmd.Stdin, cmd.Stdout = null, null
			return bb.must(cmd)
		}
		cmd := exec.Command(c.path, bb.args(append(extra, "sshd", "cat >/dev/null")...)...)
		cmd.Stdout = null
		r, w, err := os.Pipe()
		if err != nil {
			bb.b.Fatal(err)
		}
		feed := exec.Command("head", "-c", size, "/dev/zero")
		feed.Stdout = w
		if err := feed.Start(); err != nil {
			bb.b.Fatal(err)
		}
		w.Close()
		cmd.Stdin = r
		smp := bb.must(cmd)
		r.Close()
		feed.Wait()
		return smp
	})
	name := cipher
	if name == "" {
		name = "default ciphers"
	}
	goal := 0.9
	if cipher == "" {
		goal = 1.0
	}
	bb.rows = append(bb.rows,
		Row{Name: dir + ", " + name, Unit: "MB/s", Prec: 0, GSSH: bb.rate(g), SSH: bb.rate(o), Goal: AtLeast, Target: goal},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: bb.cpuPerGiB(g), SSH: bb.cpuPerGiB(o)},
		Row{Name: "  client peak RSS", Unit: "MiB", Prec: 1, GSSH: rss(g), SSH: rss(o), Goal: AbsAtMost, Target: 32},
	)
}

func (bb *bench) rate(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = float64(bb.p.size) / s.Wall.Seconds() / 1e6
	}
	return out
}

func (bb *bench) cpuPerGiB(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = s.CPU.Seconds() * float64(1<<30) / float64(bb.p.size)
	}
	return out
}

func rss(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = float64(s.MaxRSS) / (1 << 20)
	}
	return out
}

// forward is -L throughput: a local listener in this process sends size
// bytes to whoever connects through the client's forward and asks with
// one byte; the time runs from that request to the last byte read.
func (bb *bench) forward() {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		bb.b.Fatal(err)
	}
	defer sink.Close()
	go serveZeros(sink, bb.p.size)
	target := sink.Addr().String()
	var gw, ow Series
	g, o := bb.alternate(bb.p.rounds, func(c client) Sample {
		port := freePort(bb.b)
		cmd := exec.Command(c.path, bb.args("-N", "-L", fmt.Sprintf("127.0.0.1:%d:%s", port, target), "sshd")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			bb.b.Fatal(err)
		}
		conn := dialRetry(bb.b, fmt.Sprintf("127.0.0.1:%d", port), &stderr)
		start := time.Now()
		conn.Write([]byte{1})
		n, err := io.CopyBuffer(io.Discard, conn, make([]byte, 256<<10))
		wall := time.Since(start)
		conn.Close()
		if err != nil || n != bb.p.size {
			bb.b.Fatalf("%s -L: read %d of %d bytes: %v: %s", c.name, n, bb.p.size, err, stderr.String())
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		smp := Sample{Wall: wall}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			smp.CPU = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
			smp.MaxRSS = ru.Maxrss * 1024
		}
		if c.name == "gssh" {
			gw = append(gw, float64(bb.p.size)/wall.Seconds()/1e6)
		} else {
			ow = append(ow, float64(bb.p.size)/wall.Seconds()/1e6)
		}
		return smp
	})
	bb.rows = append(bb.rows,
		Row{Name: "-L forward, default ciphers", Unit: "MB/s", Prec: 0, GSSH: gw, SSH: ow},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: bb.cpuPerGiB(g), SSH: bb.cpuPerGiB(o)},
		Row{Name: "  client peak RSS", Unit: "MiB", Prec: 1, GSSH: rss(g), SSH: rss(o)},
	)
}

// serveZeros answers each connection that sends a byte with size zero
// bytes; connections that close first (readiness probes) get nothing.
func serveZeros(l net.Listener, size int64) {
	zeros := make([]byte, 256<<10)
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			if _, err := conn.Read(make([]byte, 1)); err != nil {
				return
			}
			for left := size; left > 0; {
				n, err := conn.Write(zeros[:min(left, int64(len(zeros)))])
				if err != nil {
					return
				}
				left -= int64(n)
			}
		}()
	}
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dialRetry connects once the client's forward listens.
func dialRetry(b *testing.B, addr string, stderr *bytes.Buffer) net.Conn {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			return conn
		}
	}
	b.Fatalf("forward %s never listened: %s", addr, stderr.String())
	return nil
}

// masterSessions is the resident memory of a master holding sessions
// open sessions (`sleep 300`), read from /proc once the server runs them all.
func (bb *bench) masterSessions() {
	dir := bb.b.TempDir()
	var g, o Series
	for _, c := range bb.clients {
		path := filepath.Join(dir, c.name+".sock")
		pid := bb.startMaster(c, path)
		var clients []*exec.Cmd
		for i := 0; i < bb.p.sessions; i++ {
			cmd := exec.Command(c.path, "-F", bb.s.ClientConfig, "-S", path, "-n", "sshd", "exec sleep 300")
			if err := cmd.Start(); err != nil {
				bb.b.Fatal(err)
			}
			clients = append(clients, cmd)
		}
		bb.waitSleeps(bb.p.sessions)
		mib := vmRSS(bb.b, pid)
		// Remote commands first: a session without a pty outlives its
		// closed channel, re-parented away from sshd (OPENSSH-NOTES §5).
		bb.killSleeps()
		for _, cmd := range clients {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, cmd := range clients {
			cmd.Wait()
		}
		bb.stopMaster(c, path, pid)
		if c.name == "gssh" {
			g = append(g, mib)
		} else {
			o = append(o, mib)
		}
	}
	bb.rows = append(bb.rows, Row{Name: fmt.Sprintf("master RSS, %d sessions", bb.p.sessions), Unit: "MiB", Prec: 1, GSSH: g, SSH: o})
}

// sleeps lists the server-side `sleep` processes of masterSessions.
func (bb *bench) sleeps() []int {
	var out []int
	for _, pid := range sshdtest.Descendants(bb.s.Pid()) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(comm)) == "sleep" {
			out = append(out, pid)
		}
	}
	return out
}

func (bb *bench) waitSleeps(n int) {
	deadline := time.Now().Add(60 * time.Second)
	for len(bb.sleeps()) < n {
		if time.Now().After(deadline) {
			bb.b.Fatalf("only %d of %d sessions started", len(bb.sleeps()), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (bb *bench) killSleeps() {
	for _, pid := range bb.sleeps() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// vmRSS is a process's current resident set in MiB.
func vmRSS(b *testing.B, pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatalf("no VmRSS for pid %d", pid)
	return 0
}

// escapeOverhead is what the escape filter costs a -tt upload. The
// upload runs with escapes on (the default with a pty) and with -e none,
// alternately; the two rates differ by less than a pty's run-to-run
// spread, so the acceptance row is a bound instead: the filter is timed
// in this process on the same bytes, in the stdin pump's 32 KiB reads,
// and its time is taken as a share of the escapes-on upload's. That is
// what it can add at most, whether or not gssh is the bottleneck.
func (bb *bench) escapeOverhead() {
	text := shellText()
	var pct, on, off Series
	// A pty carries a fraction of a plain session's rate: two rounds
	// keep the run within its five minutes.
	for r := 0; r < min(bb.p.rounds, 2); r++ {
		wallOff := bb.ttyUpload(bb.clients[0], text, "-e", "none")
		wall := bb.ttyUpload(bb.clients[0], text)
		f := escape.New('~')
		dst := make([]byte, 0, 64<<10)
		start := time.Now()
		for left := bb.p.size; left > 0; {
			chunk := text[:min(left, int64(len(text)))]
			for off := 0; off < len(chunk); off += 32 << 10 {
				src := chunk[off:min(off+32<<10, len(chunk))]
				for len(src) > 0 {
					var n int
					dst, n, _ = f.Feed(dst[:0], src)
					src = src[n:]
				}
			}
			left -= int64(len(chunk))
		}
		filter := time.Since(start)
		pct = append(pct, 100*filter.Seconds()/wall.Seconds())
		on = append(on, float64(bb.p.size)/wall.Seconds()/1e6)
		off = append(off, float64(bb.p.size)/wallOff.Seconds()/1e6)
	}
	bb.rows = append(bb.rows,
		Row{Name: "-tt upload, escapes on (gssh only)", Unit: "MB/s", Prec: 0, GSSH: on},
		Row{Name: "-tt upload, -e none (gssh only)", Unit: "MB/s", Prec: 0, GSSH: off},
		Row{Name: "  escape filter share of it", Unit: "%", Prec: 2, GSSH: pct, Goal: AbsAtMost, Target: 2},
	)
}

// shellText is 1 MiB of lines like a paste into a shell, each ending in
// \r, with a '~' inside some: what the escape filter scans for.
func shellText() []byte {
	line := []byte("ls -l ~/src/gssh | grep -v '^total' > /tmp/out.txt && echo done; cd ~ && make bench\r")
	return bytes.Repeat(line, (1<<20)/len(line)+1)[:1<<20]
}

// ttyUpload sends size bytes of text through a pty session, with the
// extra options given, and returns the time from the first byte sent to the remote
// command's exit. The remote side puts its pty in raw mode before it
// reads, and the input is sent only once it has, so the line discipline
// changes and drops nothing.
func (bb *bench) ttyUpload(c client, text []byte, opts ...string) time.Duration {
	size := strconv.FormatInt(bb.p.size, 10)
	args := append(append([]string{"-tt"}, opts...), "sshd", "stty raw -echo; echo ready; head -c "+size+" >/dev/null")
	cmd := exec.Command(c.path, bb.args(args...)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		bb.b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		bb.b.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		bb.b.Fatal(err)
	}
	br := bufio.NewReader(out)
	if _, err := br.ReadString('y'); err != nil {
		bb.b.Fatalf("-tt upload: no ready: %v: %s", err, stderr.String())
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); io.Copy(io.Discard, br) }()
	start := time.Now()
	for left := bb.p.size; left > 0; {
		n, err := in.Write(text[:min(left, int64(len(text)))])
		if err != nil {
			bb.b.Fatalf("-tt upload: %v: %s", err, stderr.String())
		}
		left -= int64(n)
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		bb.b.Fatalf("-tt upload: %v: %s", err, stderr.String())
	}
	in.Close()
	return time.Since(start)
}

// report prints the table and writes it, with the machine and date, to
// the output file.
func (bb *bench) report() {
	var b bytes.Buffer
	fmt.Fprintf(&b, "gssh vs OpenSSH ssh, %s, %s, %d CPUs (%s), %s/%s, %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), cpuModel(), runtime.NumCPU(), sshVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "one sshd on 127.0.0.1; transfers of %d MiB, %d rounds; connect/master rows %d rounds; medians [min–max]\n\n",
		bb.p.size>>20, bb.p.rounds, bb.p.quick)
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
