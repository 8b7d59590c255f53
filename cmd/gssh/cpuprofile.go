package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file to write a CPU profile of this gssh process
// to, for `go tool pprof` (docs/performance.md). An environment variable
// rather than a flag keeps ssh's command line untouched, and reaches gssh
// when a caller such as rsync or git runs it.
const cpuProfileEnv = "GSSH_CPUPROFILE"

// startCPUProfile starts profiling when cpuProfileEnv is set and returns
// the function that stops it and writes the file; main calls it before
// os.Exit, which skips deferred calls. Failures are reported on stderr
// and never change gssh's behaviour.
func startCPUProfile() (stop func()) {
	path := os.Getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", cpuProfileEnv, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
