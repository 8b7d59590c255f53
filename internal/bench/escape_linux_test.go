package bench

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/gssh/gssh/escape"
)

// escapeOverhead is what the escape filter costs a -tt upload. The
// upload runs with escapes on (the default with a pty) and with -e none,
// in ABBA order; the two rates differ by less than a pty's run-to-run
// spread, so the acceptance row is a bound instead: the filter is timed
// in this process on the same bytes, in the stdin pump's 32 KiB reads,
// and its time is taken as a share of the escapes-on upload's. That is
// what it can add at most, whether or not gssh is the bottleneck.
func (bb *bench) escapeOverhead(srv *server) {
	text := shellText()
	gssh := bb.clients[0]
	// A pty carries a fraction of a plain session's rate: two rounds
	// keep the run within its five minutes.
	on, off := bb.alternate(bb.p.slow, func(side int) Sample {
		if side == 0 {
			return bb.ttyUpload(gssh, srv, text)
		}
		return bb.ttyUpload(gssh, srv, text, "-e", "none")
	})
	var pct Series
	for _, smp := range on {
		pct = append(pct, 100*bb.filterTime(text).Seconds()/smp.Wall.Seconds())
	}
	bb.rows = append(bb.rows,
		Row{Name: "-tt upload, escapes on", Unit: "MB/s", Prec: 0, GSSH: rate(on)},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: cpuPerGiB(on)},
		Row{Name: "-tt upload, -e none", Unit: "MB/s", Prec: 0, GSSH: rate(off)},
		Row{Name: "  client CPU", Unit: "s/GiB", Prec: 2, GSSH: cpuPerGiB(off)},
		Row{Name: "  escape filter share of escapes on", Unit: "%", Prec: 2, GSSH: pct, Goal: AbsAtMost, Target: 2},
	)
}

// filterTime is how long escape.Filter takes over size bytes of text fed
// in the stdin pump's 32 KiB reads.
func (bb *bench) filterTime(text []byte) time.Duration {
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
	return time.Since(start)
}

// shellText is 1 MiB of lines like a paste into a shell, each ending in
// \r, with a '~' inside some: what the escape filter scans for.
func shellText() []byte {
	line := []byte("ls -l ~/src/gssh | grep -v '^total' > /tmp/out.txt && echo done; cd ~ && make bench\r")
	return bytes.Repeat(line, (1<<20)/len(line)+1)[:1<<20]
}

// ttyUpload sends size bytes of text through a pty session, with the
// extra options given, and measures from the first byte sent to the
// remote command's exit. The remote side puts its pty in raw mode before
// it reads, and the input is sent only once it has, so the line
// discipline changes and drops nothing.
func (bb *bench) ttyUpload(c client, srv *server, text []byte, opts ...string) Sample {
	bb.b.Helper()
	size := strconv.FormatInt(bb.p.size, 10)
	args := append(append([]string{"-tt"}, opts...), "sshd", "stty raw -echo; echo ready; head -c "+size+" >/dev/null")
	cmd := exec.Command(c.path, bb.args(srv, args...)...)
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
	cpu0 := bb.cpuNow(cmd)
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
	wall := time.Since(start)
	in.Close()
	cpu, maxRSS := cpuSince(cmd, cpu0)
	return Sample{Wall: wall, CPU: cpu, MaxRSS: maxRSS, Bytes: bb.p.size}
}
