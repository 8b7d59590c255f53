// Package client connects to an SSH server the way OpenSSH's ssh(1) does:
// it dials with the resolved ssh_config(5) settings, verifies the host key
// against known_hosts, authenticates, and runs sessions (RFC 4254).
//
// Errors are returned as values; the typed ones (ConnectError,
// HostKeyError, AuthError, ExitError, ...) carry what cmd/gssh needs to
// print OpenSSH's messages and choose the exit code.
package client
