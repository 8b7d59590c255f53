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
//
// The master (serving sessions over an existing connection) and the client
// (ssh -S, -O) come later and will be built on these pieces.
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
