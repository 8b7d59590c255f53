// Package soak keeps one SSH master busy for a long time and checks that
// it comes back to where it started: a gssh master and an OpenSSH master
// (`ssh -M -S PATH -fN`) side by side, against the same real sshd, serve
// the same churn — sequential sessions, concurrent bulk sessions checked
// with SHA-256, `-O check`, `-W` streams and connections through a `-L`
// forwarding of the master — while the test samples each master's
// descriptors, resident memory, threads and CPU from /proc, and gssh's
// goroutines from the dump it writes on SIGUSR2 (GSSH_GOROUTINE_DUMP,
// docs/gssh.1).
//
// The test passes when every session's bytes and exit status were right,
// none was lost, and after the run the gssh master's descriptors and
// goroutines are back within a small margin of their values before it,
// with its resident memory under a bound. The short sizes run in `make
// test`; `make soak` sets GSSH_SOAK=long, about ten minutes, and writes
// the figures that docs/reliability.md quotes.
package soak
