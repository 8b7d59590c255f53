// Package bench compares gssh with OpenSSH's ssh side by side:
// connection set-up, multiplexed sessions, bulk transfer per cipher, -L
// forwarding, memory, keepalive verdicts and CPU. The comparison rows
// hold both clients to one key exchange and one cipher (each pinned by
// an sshd that offers nothing else), time transfers from their first
// byte, and alternate the two clients in the order of Schedule; rows with
// each side's default algorithms follow, labelled as such. Its
// benchmark, BenchmarkCompare, is what `make bench` runs;
// docs/performance.md explains the method, the figures and what bounds
// them.
package bench
