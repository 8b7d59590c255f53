// Package keepalive bounds how long gssh waits on a server that has gone
// silent: the ServerAliveInterval / ServerAliveCountMax watchdog of
// ssh_config(5), and an idle timer for gssh's --idle-timeout.
//
// # ServerAlive semantics
//
// ssh_config(5) ServerAliveInterval sets "a timeout interval in seconds
// after which if no data has been received from the server, ssh(1) will
// send a message through the encrypted channel to request a response from
// the server"; ServerAliveCountMax sets how many of those may go
// unanswered before ssh "will disconnect from the server, terminating the
// session". This package follows OpenSSH 9.2's clientloop.c exactly:
//
//   - A deadline of now+Interval is re-armed whenever bytes are read from
//     the server. Sending does not re-arm it, so a client that keeps typing
//     into a dead connection still notices.
//   - When the deadline passes, the count of unanswered checks goes up by
//     one. If it now exceeds CountMax the server is declared dead (OpenSSH
//     prints "Timeout, server H not responding." and exits 255). Otherwise
//     a keepalive@openssh.com global request with want-reply is sent and
//     the deadline is re-armed at now+Interval.
//   - Any reply to it, REQUEST_SUCCESS or REQUEST_FAILURE (which is what
//     sshd sends), resets the count to zero. A reply is itself data read
//     from the server, so it re-arms the deadline too. Other inbound data
//     re-arms the deadline but does not reset the count.
//
// A server that stops sending at time T is therefore declared dead at
// exactly T + (CountMax+1)×Interval. (OpenSSH measures in whole seconds,
// so it may fire up to a second earlier; gssh uses the monotonic clock.)
// CountMax 0 means dead at the first expiry, without any probe.
//
// Unlike OpenSSH's single poll loop, golang.org/x/crypto/ssh's
// SendRequest blocks until the reply arrives or the connection dies. The
// Watchdog therefore runs each probe in its own goroutine, keeps at most
// one in flight (a second would only queue behind the first inside
// x/crypto), and keeps counting expiries while a probe hangs, so a
// blackholed connection is still declared dead on schedule.
//
// # Before the session
//
// During key exchange and authentication OpenSSH bounds each wait for a
// packet by Interval×CountMax instead (ssh_packet_set_timeout in packet.c);
// HandshakeBound computes it.
//
// # Wiring
//
// WrapConn wraps the net.Conn under the SSH client so every successful
// Read calls Watchdog.Touch; Touch is a clock read and one atomic
// operation, cheap enough for that hot path. Time comes from a Clock, so tests drive the
// watchdog with a fake clock and no sleeps.
//
// The overall --timeout deadline is a plain context.WithTimeout in
// cmd/gssh and does not live here.
package keepalive
