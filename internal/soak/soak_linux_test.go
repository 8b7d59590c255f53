package soak

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// gsshBin is this tree's gssh, built once by TestMain.
var gsshBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gssh-soak-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gsshBin = os.Getenv(BinEnv)
	if gsshBin == "" {
		gsshBin, err = sshdtest.Build(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	races, err := sshdtest.WatchRaces()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if sshdtest.ReportUnclaimedRaces(os.Stderr) {
		code = 1
	}
	os.RemoveAll(races)
	os.RemoveAll(dir)
	os.Exit(code)
}

// BinEnv names a prebuilt gssh to soak instead of this tree's (another
// revision, or a -race build).
const BinEnv = "GSSH_SOAK_BIN"

// sshPath is OpenSSH's client, whose master is the reference.
const sshPath = "/usr/bin/ssh"

// What "back to where it started" allows. A master keeps a few things
// it makes on first use (the signal-relay goroutine, a cached resolver
// or key file), so "before" is taken after one unit of every kind of
// work; beyond that, one leaked descriptor or goroutine per session
// would show as thousands.
const (
	fdMargin        = 2
	goroutineMargin = 4
	// settleWait bounds how long the master may take to close what the
	// last sessions left, after each round.
	settleWait = 30 * time.Second
	// releaseWait bounds how long the gssh master may take to give the
	// memory of the concurrent sessions back to the system: the Go
	// runtime's scavenger returns it gradually, and a collection is
	// forced at least every two minutes.
	releaseWait = 150 * time.Second
)

// RSS bounds for the gssh master, for a binary built without -race.
// Flow control bounds what a master holds per session: at most one
// channel window (2 MiB in x/crypto, as in OpenSSH) of data received and
// not yet written to the passenger, while writes to the server wait for
// its window. At GOGC=200 (cmd/gssh/runtime.go) the heap may grow to
// three times what is live before a collection, so a session may cost
// three windows, and 2 MiB more for copy buffers, packets in flight and
// goroutine stacks. Growth is what the sequential sessions of a round
// may add between the middle of them and the end, once the heap has
// found its size: a few kilobytes per session would exceed it in `make
// soak` (descriptors and goroutines are counted exactly). Released is
// where the resident set must come back to after the run.
const (
	rssBase       = 64 << 20
	rssPerSession = 8 << 20
	rssGrowth     = 8 << 20
	rssReleased   = 64 << 20
	// raceFactor is the race detector's memory cost, which the Go
	// documentation puts at 5 to 10 times.
	raceFactor = 10
)

// row is one phase on one master.
type row struct {
	round         int
	phase, master string
	o             *outcome
	wall, cpu     time.Duration
	fds, threads  int   // peaks during the phase
	goroutines    int   // peak during the phase; -1 for OpenSSH
	rss           int64 // peak during the phase
}

// roundEnd is a master's state once a round's sessions have settled.
type roundEnd struct {
	round   int
	master  *master
	state   state
	settled time.Duration
}

// phase is one kind of churn.
type phase struct {
	name string
	run  func(m *master) *outcome
}

// TestSoak puts the same churn through a gssh master and an OpenSSH
// master, phase by phase, alternating which goes first, for Sizes.Rounds
// rounds, and checks every session and each master's state after every
// round (package doc).
func TestSoak(t *testing.T) {
	sizes, err := SizesFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sshPath); err != nil {
		t.Fatalf("OpenSSH's client is the reference and is required (.ci/setup installs it): %v", err)
	}
	t.Logf("sizes %v", sizes)
	factor := int64(1)
	if raceBuilt(t, gsshBin) {
		factor = raceFactor
	}
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	echo := echoServer(t)
	masters := []*master{
		startMaster(t, srv, "gssh", gsshBin, dir, echo),
		startMaster(t, srv, "ssh", sshPath, dir, echo),
	}
	gsshMaster := masters[0]

	before := map[*master]state{}
	for _, m := range masters {
		warmUp(t, m, echo)
		var prev state
		s, _, err := m.settle(settleWait, func(s state) bool {
			same := s.FDs == prev.FDs && s.Goroutines == prev.Goroutines
			prev = s
			return same
		})
		if err != nil {
			t.Fatal(err)
		}
		before[m] = s
	}

	ctx, stopSampling := context.WithCancel(context.Background())
	var sampling sync.WaitGroup
	for _, m := range masters {
		sampling.Go(func() { m.sample(ctx, 100*time.Millisecond) })
	}
	defer func() { stopSampling(); sampling.Wait() }()

	var growth []int64 // of the gssh master during each round's sequential sessions
	phases := []phase{
		{fmt.Sprintf("%d sequential sessions", sizes.Sequential), func(m *master) *outcome {
			o, half, end := sequential(m, sizes.Sequential)
			if m == gsshMaster {
				growth = append(growth, end-half)
			}
			return o
		}},
		{fmt.Sprintf("%d concurrent sessions × %d MiB each way", sizes.Concurrent, sizes.Bulk>>20), func(m *master) *outcome {
			return concurrent(m, sizes.Concurrent, sizes.Bulk)
		}},
		{fmt.Sprintf("%d -O check", sizes.Checks), func(m *master) *outcome { return checks(m, sizes.Checks) }},
		{fmt.Sprintf("%d -W streams", sizes.Streams), func(m *master) *outcome {
			return streams(m, echo, sizes.Streams, sizes.Parallel, sizes.StreamBytes)
		}},
		{fmt.Sprintf("%d -L connections", sizes.Forwards), func(m *master) *outcome {
			return forwards(m, sizes.Forwards, sizes.Parallel, sizes.StreamBytes)
		}},
	}
	var rows []row
	var ends []roundEnd
	turn := 0
	for round := 1; round <= sizes.Rounds; round++ {
		for _, p := range phases {
			order := slices.Clone(masters)
			if turn++; turn%2 == 0 {
				slices.Reverse(order)
			}
			for _, m := range order {
				r := runPhase(t, m, p)
				r.round = round
				rows = append(rows, r)
			}
		}
		for _, m := range masters {
			b := before[m]
			s, took, err := m.settle(settleWait, func(s state) bool {
				return s.FDs <= b.FDs+fdMargin && s.Goroutines <= b.Goroutines+goroutineMargin
			})
			if err != nil {
				t.Fatal(err)
			}
			ends = append(ends, roundEnd{round, m, s, took})
			t.Logf("round %d, %s master: %d fds (%d before), %s goroutines (%s before), %.1f MiB, settled in %.2fs",
				round, m.name, s.FDs, b.FDs, count(s.Goroutines), count(b.Goroutines), mib(s.RSS), took.Seconds())
			if s.FDs > b.FDs+fdMargin {
				t.Errorf("round %d, %s master: %d descriptors after it, %d before the run (margin %d): leaked", round, m.name, s.FDs, b.FDs, fdMargin)
			}
			if s.Goroutines > b.Goroutines+goroutineMargin {
				t.Errorf("round %d, %s master: %d goroutines after it, %d before the run (margin %d): leaked", round, m.name, s.Goroutines, b.Goroutines, goroutineMargin)
			}
		}
	}
	stopSampling()
	sampling.Wait()
	for _, m := range masters {
		if _, _, _, _, err := m.peak.get(); err != nil {
			t.Errorf("sampling: %v", err)
		}
	}
	released, took, err := gsshMaster.settle(releaseWait, func(s state) bool { return s.RSS <= factor*rssReleased })
	if err != nil {
		t.Fatal(err)
	}

	report(t, sizes, factor > 1, rows, ends, before, growth, released, took)

	if bound := factor * (rssBase + int64(sizes.Concurrent)*rssPerSession); released.Peak > bound {
		t.Errorf("gssh master: peak resident set %.1f MiB, bound %.1f MiB", mib(released.Peak), mib(bound))
	}
	for i, g := range growth {
		if g > factor*rssGrowth {
			t.Errorf("round %d: gssh master's resident set grew %.1f MiB over the second half of the sequential sessions, bound %.1f MiB", i+1, mib(g), mib(factor*rssGrowth))
		}
	}
	if released.RSS > factor*rssReleased {
		t.Errorf("gssh master: resident set %.1f MiB %v after the run, want at most %.1f MiB", mib(released.RSS), took.Round(time.Second), mib(factor*rssReleased))
	}
}

// runPhase runs one phase on one master and checks its outcome.
func runPhase(t *testing.T, m *master, p phase) row {
	t.Helper()
	m.peak.reset()
	s0, err := Probe(m.pid)
	if err != nil {
		t.Fatalf("%s master gone before %s: %v", m.name, p.name, err)
	}
	start := time.Now()
	o := p.run(m)
	wall := time.Since(start)
	s1, err := Probe(m.pid)
	if err != nil {
		t.Fatalf("%s master gone after %s: %v", m.name, p.name, err)
	}
	fds, rss, threads, g, _ := m.peak.get()
	// A phase shorter than the sampling interval has its end.
	end, err := m.goroutines()
	if err != nil {
		t.Fatal(err)
	}
	if g = max(g, end); end < 0 {
		g = -1 // OpenSSH's master has no goroutines to count
	}
	r := row{phase: p.name, master: m.name, o: o, wall: wall, cpu: s1.CPU - s0.CPU,
		fds: max(fds, s1.FDs), rss: max(rss, s1.RSS), threads: max(threads, s1.Threads), goroutines: g}
	t.Logf("%s, %s master: %v ok in %.1fs, master CPU %.2fs, peak %d fds, %d threads, %s goroutines, %.1f MiB",
		p.name, m.name, o, wall.Seconds(), r.cpu.Seconds(), r.fds, r.threads, count(r.goroutines), mib(r.rss))
	if o.ok != o.total {
		t.Errorf("%s, %s master: %d of %d failed; first: %q", p.name, m.name, o.total-o.ok, o.total, o.errs)
	}
	return r
}

// warmUp gives the master one unit of every kind of work, so that what
// it makes once and keeps is in the "before" figures.
func warmUp(t *testing.T, m *master, echo string) {
	t.Helper()
	for _, o := range []*outcome{
		func() *outcome { o, _, _ := sequential(m, 1); return o }(),
		concurrent(m, 1, 1<<10),
		checks(m, 1),
		streams(m, echo, 1, 1, 1<<10),
		forwards(m, 1, 1, 1<<10),
	} {
		if o.ok != o.total {
			t.Fatalf("%s master warm-up: %q", m.name, o.errs)
		}
	}
}

// raceBuilt tells whether bin was built with -race, whose memory costs
// more.
func raceBuilt(t *testing.T, bin string) bool {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
