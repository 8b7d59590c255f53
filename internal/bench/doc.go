// Package bench compares gssh with OpenSSH's ssh side by side on one
// throwaway sshd: connection set-up, multiplexed sessions, bulk transfer
// per cipher, -L forwarding, memory and CPU. Its benchmark,
// BenchmarkCompare, is what `make bench` runs; docs/performance.md
// explains the figures and what bounds them.
package bench
