package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gssh/gssh/internal/faults"
)

// aliveOpts give both clients the same watchdog: a verdict after
// (ServerAliveCountMax+1) × ServerAliveInterval = 3 s of silence.
var aliveOpts = []string{"-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"}

// ticker keeps data flowing until the fault, so the watchdog starts from
// a live session.
const ticker = "echo ready; while :; do echo tick; sleep 0.1; done"

// keepalive is how long each client takes to give up on a server after a
// fault: every sshd session process stopped (SIGSTOP), or the path
// blackholed by internal/faults' proxy. The clock runs from the fault to
// the client's exit.
func (bb *bench) keepalive(srv *server) {
	for _, fault := range []string{"frozen sshd", "blackholed path"} {
		g, o := bb.alternate(bb.p.slow, func(side int) Sample {
			return Sample{Wall: bb.detectOnce(bb.clients[side], srv, fault)}
		})
		bb.rows = append(bb.rows, Row{Name: "keepalive verdict, " + fault, Unit: "s", Prec: 2, GSSH: seconds(g), SSH: seconds(o)})
	}
}

// detectOnce runs c against srv with a ticking command, injects the
// fault once the command runs, and returns the time from fault to exit.
func (bb *bench) detectOnce(c client, srv *server, fault string) time.Duration {
	bb.b.Helper()
	extra := aliveOpts
	var p *faults.Proxy
	if fault == "blackholed path" {
		p = faults.NewProxy(bb.b, srv.Addr())
		defer p.Close()
		known := filepath.Join(bb.b.TempDir(), "known_hosts")
		_, key, _ := strings.Cut(srv.KnownHostsLine(), " ")
		if err := os.WriteFile(known, []byte(fmt.Sprintf("[127.0.0.1]:%d %s\n", p.Port(), key)), 0o600); err != nil {
			bb.b.Fatal(err)
		}
		extra = append([]string{"-o", fmt.Sprintf("Port=%d", p.Port()), "-o", "UserKnownHostsFile=" + known}, extra...)
	}
	cmd := exec.Command(c.path, bb.args(srv, append(extra, "sshd", ticker)...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		bb.b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		bb.b.Fatal(err)
	}
	br := bufio.NewReader(out)
	if line, err := br.ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		bb.b.Fatalf("%s: first line %q, %v; stderr %q", c.name, line, err, stderr.String())
	}
	done := make(chan time.Time, 1)
	go func() {
		io.Copy(io.Discard, br)
		cmd.Wait()
		done <- time.Now()
	}()
	var thaw func()
	start := time.Now()
	if p == nil {
		thaw = faults.FreezeSessions(bb.b, srv.Server)
	} else {
		p.Blackhole()
	}
	select {
	case end := <-done:
		if thaw != nil {
			thaw()
		}
		if !strings.Contains(stderr.String(), "not responding") {
			bb.b.Fatalf("%s, %s: stderr %q", c.name, fault, stderr.String())
		}
		return end.Sub(start)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		bb.b.Fatalf("%s did not give up within 30s, %s", c.name, fault)
	}
	return 0
}
