//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// detectBudget is the configured detection time of aliveOpts:
// (ServerAliveCountMax+1) × ServerAliveInterval.
const detectBudget = 3 * time.Second

// BenchmarkKeepaliveDetection measures how long gssh and OpenSSH's ssh
// take to give up on a server after a fault, with the same sshd and
// ServerAliveInterval 1, ServerAliveCountMax 2, and prints a table with
// the ratios. Run it with `make bench-keepalive`, or:
//
//	go test -run '^$' -bench KeepaliveDetection -benchtime 3x ./cmd/gssh/
func BenchmarkKeepaliveDetection(b *testing.B) {
	s := sshdtest.Start(b, sshdtest.Options{})
	type row struct {
		fault       string
		gssh, ossh  time.Duration
		gsshN, sshN int
	}
	var rows []*row
	for _, fault := range []string{"freeze", "blackhole"} {
		r := &row{fault: fault}
		rows = append(rows, r)
		for _, client := range []struct {
			name, prog string
			sum        *time.Duration
			n          *int
		}{
			{"gssh", gsshBin, &r.gssh, &r.gsshN},
			{"ssh", "/usr/bin/ssh", &r.ossh, &r.sshN},
		} {
			b.Run(fault+"/"+client.name, func(b *testing.B) {
				var total time.Duration
				for i := 0; i < b.N; i++ {
					total += detectOnce(b, s, client.prog, fault)
				}
				mean := total / time.Duration(b.N)
				*client.sum += total
				*client.n += b.N
				b.ReportMetric(mean.Seconds(), "detect-s")
				b.ReportMetric(float64(mean)/float64(detectBudget), "x-budget")
			})
		}
	}
	fmt.Printf("\nkeepalive detection, ServerAliveInterval 1, ServerAliveCountMax 2 (budget %v)\n", detectBudget)
	fmt.Printf("%-10s %10s %10s %10s %10s %12s\n", "fault", "gssh", "ssh", "gssh/bdgt", "ssh/bdgt", "gssh/ssh")
	for _, r := range rows {
		if r.gsshN == 0 || r.sshN == 0 {
			continue
		}
		g, o := r.gssh/time.Duration(r.gsshN), r.ossh/time.Duration(r.sshN)
		fmt.Printf("%-10s %10v %10v %10.2f %10.2f %12.2f\n", r.fault, g.Round(time.Millisecond), o.Round(time.Millisecond),
			float64(g)/float64(detectBudget), float64(o)/float64(detectBudget), float64(g)/float64(o))
	}
}

// detectOnce runs prog against s with a ticking command, injects the
// fault once the command runs, and returns the time from fault to exit.
func detectOnce(b *testing.B, s *sshdtest.Server, prog, fault string) time.Duration {
	b.Helper()
	args := []string{"-F", s.ClientConfig}
	var p *faults.Proxy
	if fault == "blackhole" {
		p = faults.NewProxy(b, s.Addr())
		args = append(args, "-o", fmt.Sprintf("Port=%d", p.Port()), "-o", "UserKnownHostsFile="+knownHostsFor(b, s, p.Port()))
	}
	args = append(append(args, aliveOpts...), "sshd", ticker)
	cmd := exec.Command(prog, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan time.Time, 1)
	br := bufio.NewReader(out)
	if line, err := br.ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		b.Fatalf("%s: first line %q, %v; stderr %q", prog, line, err, stderr.String())
	}
	go func() {
		io.Copy(io.Discard, br)
		cmd.Wait()
		done <- time.Now()
	}()
	var thaw func()
	start := time.Now()
	if fault == "freeze" {
		thaw = faults.FreezeSessions(b, s)
	} else {
		p.Blackhole()
	}
	select {
	case end := <-done:
		if thaw != nil {
			thaw()
		}
		if !strings.Contains(stderr.String(), "not responding") {
			b.Fatalf("%s under %s: stderr %q", prog, fault, stderr.String())
		}
		return end.Sub(start)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		b.Fatalf("%s did not give up within 30s under %s", prog, fault)
	}
	return 0
}
