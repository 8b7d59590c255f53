// Package mux speaks OpenSSH's connection-sharing protocol, PROTOCOL.mux
// version 4: the messages a ControlMaster and its clients exchange over a
// Unix-domain control socket (ssh -M, -S, -O, ControlPath).
//
// Implemented so far:
//
//   - The message codec (codec.go, messages.go): one Go struct per
//     message, [Encode]/[Decode] of a payload, and [ReadFrame]/[WriteFrame]
//     for the uint32 length prefix. It builds on every platform.
//   - File-descriptor passing and peer credentials on Unix (fdpass_unix.go):
//     [SendFD] and [ReceiveFD] move one descriptor per sendmsg exactly as
//     OpenSSH's mm_send_fd/mm_receive_fd do, and [PeerUID] reports the uid
//     of the process on the other end of the socket.
//   - The client side (client.go): [Dial] with the HELLO exchange, the
//     -O requests, and sessions and stdio forwards whose descriptors are
//     passed to the master ([Client.NewSession], [Session.Wait]).
//   - The master side (master.go): [Listen] creates the socket atomically
//     (bind a temporary name, hard-link it into place) with mode 0600,
//     and [Master.Serve] checks each peer's uid and answers requests,
//     leaving the SSH work to a [Backend].
//
// Beyond PROTOCOL.mux, a gssh master answers [InfoRequest] (-O conninfo
// and -O channels, after OpenSSH 10.3) with a type number of gssh's own;
// an OpenSSH master answers it with FAILURE. It also advertises three HELLO
// extensions (extensions.go): [ExtSignal], under which [SignalSession]
// signals a session's remote command (--timeout and Ctrl-C for
// passengers), [ExtUpstreamCheck], under which [UpstreamCheck] asks
// whether the master's SSH connection still answers (self-healing), and
// [ExtSessionCheck], under which [SessionCheck] has the next session's
// channel open serve as that proof.
// MUX_C_PROXY is served when the Backend is a [ProxyBackend] (FAILURE
// otherwise), and [Client.Proxy] asks for it; the connection protocol that
// then runs on the socket is package mux/proxy's.
//
// # Where the wire format comes from
//
// PROTOCOL.mux is vague in places; OpenSSH's mux.c is the reference. Where
// they disagree this package follows mux.c:
//
//   - The NEW_SESSION flags are uint32 values (any non-zero value is true),
//     not SSH booleans.
//   - NEW_STDIO_FWD carries the connect port as a uint32, not a string.
//   - The master answers NEW_SESSION with SESSION_OPENED only; it never
//     sends the OK the document mentions.
//   - Ports are at most 65535, or [PortStreamLocal] (0xfffffffe) meaning
//     the host field is a Unix socket path. mux.c drops the control
//     connection on any other port value, so Decode reports it as malformed.
//   - Text fields (TERM, command, environment, reasons, hosts, extension
//     names) are read with sshbuf_get_cstring, which rejects an embedded
//     NUL; extension values and the reserved fields are opaque bytes.
//   - A frame longer than 256 KiB makes the master close the connection
//     ([MaxFrameSize]).
//
// # Control sockets and buffering
//
// Descriptors travel as SCM_RIGHTS ancillary data attached to a one-byte
// message that follows the request frame on the same stream. A buffered
// reader on the control socket would read that byte, and the kernel would
// discard the descriptor with it. [ReadFrame] therefore reads exactly one
// frame with io.ReadFull and never more; callers must not wrap the socket
// in a bufio.Reader either.
package mux
