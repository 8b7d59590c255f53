package soak

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestProbeCountsDescriptors: a descriptor opened shows in the next
// Probe, and the other figures are plausible for a live process.
func TestProbeCountsDescriptors(t *testing.T) {
	s0, err := Probe(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s1, err := Probe(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s1.FDs != s0.FDs+1 {
		t.Errorf("descriptors %d then %d after one open", s0.FDs, s1.FDs)
	}
	if s1.RSS <= 0 || s1.Peak < s1.RSS || s1.Threads < 1 || s1.CPU <= 0 {
		t.Errorf("implausible snapshot %+v", s1)
	}
}

func TestProbeGoneProcess(t *testing.T) {
	if _, err := Probe(1 << 30); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Probe of no process: %v, want not exist", err)
	}
}

func TestParseDump(t *testing.T) {
	n, err := parseDump([]byte("goroutine profile: total 15\n3 @ 0x1\n"))
	if err != nil || n != 15 {
		t.Fatalf("got %d, %v; want 15", n, err)
	}
	for _, bad := range []string{"", "goroutine 1 [running]:\n", "goroutine profile: total x\n"} {
		if _, err := parseDump([]byte(bad)); err == nil {
			t.Errorf("parseDump(%q) accepted", bad)
		}
	}
}

// TestGoroutinesWithoutDumper: a process that writes no dump on SIGUSR2
// is an error after the wait, not a hang. The test process itself is
// asked, with SIGUSR2 caught so that it does not die of it.
func TestGoroutinesWithoutDumper(t *testing.T) {
	ignoreSIGUSR2(t)
	path := filepath.Join(t.TempDir(), "dump")
	if _, err := Goroutines(os.Getpid(), path, 50*time.Millisecond); !errors.Is(err, ErrNoDump) {
		t.Fatalf("got %v, want ErrNoDump", err)
	}
}

func TestSizesFromEnv(t *testing.T) {
	for v, want := range map[string]string{"": "short", "short": "short", "long": "long"} {
		t.Setenv(SizesEnv, v)
		s, err := SizesFromEnv()
		if err != nil || s.Name != want {
			t.Errorf("%s=%q: %v, %v; want %s", SizesEnv, v, s.Name, err, want)
		}
	}
	t.Setenv(SizesEnv, "huge")
	if _, err := SizesFromEnv(); err == nil {
		t.Errorf("%s=huge accepted", SizesEnv)
	}
}

// ignoreSIGUSR2 catches SIGUSR2 in the test process until the test ends.
func ignoreSIGUSR2(t *testing.T) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	t.Cleanup(func() { signal.Stop(c) })
}
