package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// transfer moves size bytes of zeros through one session of each client
// and adds the rate, CPU per GiB and peak RSS rows. The clock starts at
// the first byte, so connection set-up, key exchange and authentication
// are in neither the rate nor the CPU.
func (bb *bench) transfer(dir string, srv *server) {
	once := bb.download
	if dir == "upload" {
		once = bb.upload
	}
	g, o := bb.alternate(bb.p.rounds, func(side int) Sample { return once(bb.clients[side], srv) })
	// Issue 7's targets: level or better on each side's defaults, within
	// 10 % with the same cipher.
	goal := 0.9
	if srv.cipher == "" {
		goal = 1.0
	}
	bb.rows = append(bb.rows,
		Row{Name: dir + ", " + srv.label, Unit: "MB/s", Prec: 0, GSSH: rate(g), SSH: rate(o), Goal: AtLeast, Target: goal},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: cpuPerGiB(g), SSH: cpuPerGiB(o)},
		Row{Name: "  client peak RSS", Unit: "MiB", Prec: 1, GSSH: rss(g), SSH: rss(o), Goal: AbsAtMost, Target: 32},
	)
}

// download runs `head -c size /dev/zero` remotely and moves the client's
// stdout to /dev/null with splice(2), so this process copies nothing. The
// clock and the CPU count start when the first bytes have arrived and stop
// at the last; those first bytes are left out of the rate.
func (bb *bench) download(c client, srv *server) Sample {
	bb.b.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		bb.b.Fatal(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		bb.b.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(c.path, bb.args(srv, "sshd", "head -c "+strconv.FormatInt(bb.p.size, 10)+" /dev/zero")...)
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		bb.b.Fatal(err)
	}
	w.Close()
	// Fd leaves r blocking: splice waits for data instead of EAGAIN.
	rfd, nfd := int(r.Fd()), int(null.Fd())
	first, err := drain(rfd, nfd)
	start := time.Now()
	if err != nil || first == 0 {
		cmd.Wait()
		bb.b.Fatalf("%s download: no data (%v): %s", c.name, err, stderr.String())
	}
	cpu0 := bb.cpuNow(cmd)
	total, end := first, start
	for {
		n, err := drain(rfd, nfd)
		if err != nil || n == 0 {
			break
		}
		total += n
		end = time.Now()
	}
	if err := cmd.Wait(); err != nil || total != bb.p.size {
		bb.b.Fatalf("%s download: %d of %d bytes: %v: %s", c.name, total, bb.p.size, err, stderr.String())
	}
	cpu, maxRSS := cpuSince(cmd, cpu0)
	return Sample{Wall: end.Sub(start), CPU: cpu, MaxRSS: maxRSS, Bytes: total - first}
}

// drain moves what the pipe rfd holds, up to 1 MiB, to nfd, waiting
// for data when there is none; 0 at end of file.
func drain(rfd, nfd int) (int64, error) {
	for {
		n, err := syscall.Splice(rfd, nil, nfd, nil, 1<<20, 0)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// upload feeds size bytes of zeros to the client's stdin once the remote
// command has said "ready", and stops the clock when it says "done",
// having read them all. Nothing is written before "ready", so the clock
// starts at the first byte.
func (bb *bench) upload(c client, srv *server) Sample {
	bb.b.Helper()
	size := strconv.FormatInt(bb.p.size, 10)
	cmd := exec.Command(c.path, bb.args(srv, "sshd", "echo ready; head -c "+size+" >/dev/null; echo done")...)
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
	lines := bufio.NewReader(out)
	if line, err := lines.ReadString('\n'); line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		bb.b.Fatalf("%s upload: first line %q, %v: %s", c.name, line, err, stderr.String())
	}
	start := time.Now()
	cpu0 := bb.cpuNow(cmd)
	zeros := make([]byte, 1<<20)
	for left := bb.p.size; left > 0; {
		n, err := in.Write(zeros[:min(left, int64(len(zeros)))])
		if err != nil {
			bb.b.Fatalf("%s upload: %v: %s", c.name, err, stderr.String())
		}
		left -= int64(n)
	}
	in.Close()
	line, err := lines.ReadString('\n')
	end := time.Now()
	if line != "done\n" {
		bb.b.Fatalf("%s upload: last line %q, %v: %s", c.name, line, err, stderr.String())
	}
	io.Copy(io.Discard, lines)
	if err := cmd.Wait(); err != nil {
		bb.b.Fatalf("%s upload: %v: %s", c.name, err, stderr.String())
	}
	cpu, maxRSS := cpuSince(cmd, cpu0)
	return Sample{Wall: end.Sub(start), CPU: cpu, MaxRSS: maxRSS, Bytes: bb.p.size}
}

// cpuSince is the CPU an exited client used after its CPU clock read
// cpu0 (its rusage less cpu0), and its peak RSS.
func cpuSince(cmd *exec.Cmd, cpu0 time.Duration) (time.Duration, int64) {
	cpu, maxRSS := Usage(cmd)
	return cpu - cpu0, maxRSS
}

// rate is each sample's bytes over its time, in MB/s.
func rate(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = float64(s.Bytes) / s.Wall.Seconds() / 1e6
	}
	return out
}

// cpuPerGiB is each sample's client CPU scaled to a GiB moved.
func cpuPerGiB(ss []Sample) Series {
	out := make(Series, len(ss))
	for i, s := range ss {
		out[i] = s.CPU.Seconds() * float64(1<<30) / float64(s.Bytes)
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
// one byte; the time and the client's CPU run from that request to the
// last byte read.
func (bb *bench) forward(srv *server) {
	sink, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		bb.b.Fatal(err)
	}
	defer sink.Close()
	go serveZeros(sink, bb.p.size)
	target := sink.Addr().String()
	g, o := bb.alternate(bb.p.rounds, func(side int) Sample {
		c := bb.clients[side]
		port := freePort(bb.b)
		cmd := exec.Command(c.path, bb.args(srv, "-N", "-L", fmt.Sprintf("127.0.0.1:%d:%s", port, target), "sshd")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			bb.b.Fatal(err)
		}
		conn := dialRetry(bb.b, fmt.Sprintf("127.0.0.1:%d", port), &stderr)
		cpu0 := bb.cpuNow(cmd)
		start := time.Now()
		conn.Write([]byte{1})
		n, err := io.CopyBuffer(io.Discard, conn, make([]byte, 256<<10))
		wall := time.Since(start)
		cpu1 := bb.cpuNow(cmd)
		conn.Close()
		if err != nil || n != bb.p.size {
			bb.b.Fatalf("%s -L: read %d of %d bytes: %v: %s", c.name, n, bb.p.size, err, stderr.String())
		}
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		_, maxRSS := Usage(cmd)
		return Sample{Wall: wall, CPU: cpu1 - cpu0, MaxRSS: maxRSS, Bytes: n}
	})
	bb.rows = append(bb.rows,
		Row{Name: "-L forward, " + srv.label, Unit: "MB/s", Prec: 0, GSSH: rate(g), SSH: rate(o)},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: cpuPerGiB(g), SSH: cpuPerGiB(o)},
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
