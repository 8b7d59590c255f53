// Package faults injects the failures gssh must survive without hanging,
// for integration tests and benchmarks: a loopback TCP proxy that passes,
// delays or blackholes traffic on command, freezing a server's processes
// with SIGSTOP, and fake servers that accept a connection and then never
// send a banner, or send one and go silent.
//
// Everything listens on 127.0.0.1 and is torn down by t.Cleanup.
package faults
