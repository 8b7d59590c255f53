package soak

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// OutEnv names a file to which the figures are written as well as to
// the test log (`make soak` writes docs/soak-results.txt).
const OutEnv = "GSSH_SOAK_OUT"

// report logs the run's figures as Markdown tables and writes them to
// OutEnv's file when it is set.
func report(t *testing.T, sizes Sizes, race bool, rows []row, ends []roundEnd, before map[*master]state, growth []int64, released state, took time.Duration) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "soak %s, %s\n", time.Now().UTC().Format(time.RFC3339), sizes)
	fmt.Fprintf(&b, "gssh built with -race: %v; %d CPUs; load average %s at the end\n\n", race, runtime.NumCPU(), loadAverage())
	b.WriteString("| round | phase | master | ok | wall s | master CPU s | peak fds | peak threads | peak goroutines | peak RSS MiB |\n")
	b.WriteString("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s | %s | %v | %.1f | %.2f | %d | %d | %s | %.1f |\n",
			r.round, r.phase, r.master, r.o, r.wall.Seconds(), r.cpu.Seconds(), r.fds, r.threads, count(r.goroutines), mib(r.rss))
	}
	b.WriteString("\n| after | master | fds | goroutines | threads | RSS MiB | lifetime peak RSS MiB | CPU s since before | settled in s |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	seen := map[*master]bool{}
	for _, e := range ends {
		if !seen[e.master] {
			seen[e.master] = true
			s := before[e.master]
			fmt.Fprintf(&b, "| before (warm-up) | %s | %d | %s | %d | %.1f | %.1f | 0 | — |\n",
				e.master.name, s.FDs, count(s.Goroutines), s.Threads, mib(s.RSS), mib(s.Peak))
		}
	}
	for _, e := range ends {
		s := e.state
		fmt.Fprintf(&b, "| round %d | %s | %d | %s | %d | %.1f | %.1f | %.2f | %.2f |\n",
			e.round, e.master.name, s.FDs, count(s.Goroutines), s.Threads, mib(s.RSS), mib(s.Peak),
			(s.CPU - before[e.master].CPU).Seconds(), e.settled.Seconds())
	}
	b.WriteString("\ngssh master's resident set, growth over the second half of each round's sequential sessions (MiB):")
	for _, g := range growth {
		fmt.Fprintf(&b, " %+.1f", mib(g))
	}
	fmt.Fprintf(&b, "\ngssh master's resident set after the run: %.1f MiB, %.1f s after the last round had settled.\n", mib(released.RSS), took.Seconds())
	t.Log("\n" + b.String())
	if path := os.Getenv(OutEnv); path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Errorf("%s: %v", OutEnv, err)
		}
	}
}

// count prints a figure that OpenSSH's master does not have as "—".
func count(n int) string {
	if n < 0 {
		return "—"
	}
	return fmt.Sprint(n)
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}
