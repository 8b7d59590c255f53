// Package forward runs the port forwardings of one SSH connection, as
// ssh(1) does after authentication: local (-L, LocalForward), remote
// (-R, RemoteForward) and dynamic (-D, DynamicForward, and -R as a SOCKS
// proxy) forwarding of TCP ports and Unix sockets, forwardings added and
// cancelled while the connection runs (the commands of ~C's command
// line, -O forward, -O cancel), and agent forwarding (-A, ForwardAgent).
//
// A Forwarding made by Start works on one connection; one made by New
// outlives its connections, for gssh --reconnect (link.go): its local
// listeners stay bound while Attach and ConnectionLost hand it one connection
// after another.
//
// It works on an *ssh.Client and a resolved *config.Config, whose typed
// config.Forward values describe the forwardings; the SOCKS protocol
// itself is internal/socks. Messages go to an *sshlog.Logger in ssh's
// words; errors a caller acts on are typed (*Error, *ChannelOpenError).
//
// Where the behaviour comes from: RFC 4254 section 7 (tcpip-forward,
// direct-tcpip, forwarded-tcpip), OpenSSH's PROTOCOL sections 2.1
// (agent forwarding) and 2.4 (Unix socket forwarding), and OpenSSH 9.2's
// channels.c, clientloop.c and ssh.c for the choices and messages.
package forward
