// Package tunnel keeps the forwardings of a gssh -N connection up across
// lost connections (gssh --reconnect, docs/tunnels.md), and tells systemd
// how the tunnel is doing (Notifier).
//
// "Tunnel" here means a connection that only carries port forwardings,
// as autossh keeps one up; it has nothing to do with ssh's -w tun
// devices (the Tunnel keyword).
//
// Run owns the whole life of such a connection after the first dial:
//
//   - The local listeners of -L and -D are opened once
//     (forward.Forwarding.Listen) and stay bound until gssh exits. A
//     local connection accepted while the tunnel is down waits up to
//     OutageWait (10 s) for the next connection and is carried by it, or
//     is then closed (a SOCKS client gets a failure reply).
//   - Each connection gets every -R again (forward.Forwarding.Attach).
//     A -R the server refuses, typically because the session it lost
//     still holds the remote port until sshd notices, is asked for again
//     on the same connection with the backoff of package reconnect until
//     the server grants it.
//   - A connection ends by the keepalive watchdog's verdict, a transport
//     error, the server closing it, or SIGUSR1. Run prints one line
//     saying why and when the next attempt is, then waits and dials
//     again, as package reconnect decides: exponential backoff with
//     jitter, --reconnect-max attempts in a row, the first-connection
//     gate.
//   - Attempts never prompt: keys must come from files without a
//     passphrase or from an agent. A connection whose host key was not
//     trusted (StrictHostKeyChecking=no with a changed key) counts as a
//     failed attempt, as no forwarding may run over it.
//   - SIGTERM ends the run with status 0, as it ends ssh -N; SIGHUP,
//     SIGINT and SIGQUIT with 255.
//
// With NOTIFY_SOCKET set (systemd Type=notify), Notifier sends READY=1
// once the first connection's forwardings are up, a STATUS= line at
// every change, and, with WATCHDOG_USEC, WATCHDOG=1 every half period
// while the keepalive watchdog vouches for the server: at most one probe
// unanswered. A frozen server stops the pings one interval after it
// froze, long before the keepalive verdict.
package tunnel
