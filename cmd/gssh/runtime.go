package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// tuneRuntime fits the Go runtime to what gssh is: one SSH connection,
// a strictly ordered pipeline of packets passed between a few goroutines
// (x/crypto's reader, its demultiplexer, gssh's pumps). With more than
// one P, each hand-off wakes another OS thread, and on loopback that
// costs more than the pipelining gains: a 1 GiB aes128-gcm download took
// 1.5 s and 1.2 CPU-seconds with GOMAXPROCS=2, 1.0 s and 0.7 with 1, on
// a 2-CPU machine (docs/performance.md). OpenSSH's client is
// single-threaded too. Every 32 KiB packet is a fresh allocation inside
// x/crypto, so the garbage collector runs half as often at GOGC=200, for
// a few MiB more resident memory. Either variable set in the environment
// wins, as with any Go program.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}
