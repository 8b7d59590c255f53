// Package client connects to an SSH server the way OpenSSH's ssh(1) does:
// it dials with the resolved ssh_config(5) settings (TCP, ProxyCommand,
// ProxyJump), verifies the host key (package knownhosts), authenticates,
// keeps the connection alive, and runs sessions (RFC 4254) on the local
// terminal (package tty) with ssh's escape sequences.
//
// Errors are returned as values, each type declared beside the code that
// returns it; the typed ones (ConnectError, knownhosts.HostKeyError,
// AuthError, ExitError, ...) carry what cmd/gssh needs to print OpenSSH's
// messages and choose the exit code. The Error() of a connection failure
// is the exact text OpenSSH 9.2's ssh prints in the same situation, so
// the command can print it verbatim (all of them exit 255). Where ssh
// prefixes its program name ("ssh: connect to host ..."), the text starts
// with "ssh: " too: gssh is a drop-in replacement and scripts match on it.
package client
