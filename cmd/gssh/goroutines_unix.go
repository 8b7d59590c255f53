//go:build unix

package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"

	"github.com/gssh/gssh/internal/crash"
)

// goroutineDumpEnv names a file that gssh replaces with a list of its
// goroutines each time it receives SIGUSR2, and goes on running: how the
// soak test (internal/soak, docs/reliability.md) watches a long-lived
// master for leaks. SIGQUIT dumps them too, but ends the process. Unset,
// SIGUSR2 is ignored, as the Go runtime ignores any signal nobody asked
// for (ssh dies of it; docs/gssh.1).
const goroutineDumpEnv = "GSSH_GOROUTINE_DUMP"

// installGoroutineDump serves SIGUSR2 when goroutineDumpEnv is set. The
// dump is Go's goroutine profile in its text form, which opens with
// "goroutine profile: total N"; it is written beside the file and
// renamed over it, so a reader never sees half of one. Failures are
// reported on stderr and never change gssh's behaviour.
func installGoroutineDump() {
	path := os.Getenv(goroutineDumpEnv)
	if path == "" {
		return
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGUSR2)
	crash.Go(func() {
		for range sigc {
			if err := writeGoroutines(path); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", goroutineDumpEnv, err)
			}
		}
	})
}

func writeGoroutines(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	err = pprof.Lookup("goroutine").WriteTo(f, 1)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
