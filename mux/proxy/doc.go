// Package proxy speaks the SSH connection protocol (RFC 4254: channels,
// channel and global requests, flow control) over a control socket in
// OpenSSH's mux proxy mode: after a client's MUX_C_PROXY and the master's
// MUX_S_PROXY (PROTOCOL.mux §"Requesting a proxy connection"), the socket
// carries no more mux messages but the connection-layer packets of the
// client's own SSH session, unencrypted, and the master relays them on
// its SSH connection.
//
// # Where the wire format comes from
//
// PROTOCOL.mux says only that the connection "is in proxy mode";
// OpenSSH's packet.c and channels.c define it, and this package follows
// them (checked against OpenSSH 9.2):
//
//   - Each packet is framed as packet.c's ssh_packet_send_mux writes it
//     and ssh_packet_read_poll2_mux reads it: uint32 length, one padding
//     length byte (0, ignored on input), the message type, the payload.
//     The length counts the two bytes and the payload; at most 256 KiB
//     ([MaxPacket]).
//   - Only message types 80–127 (the connection protocol) are sent;
//     packet.c drops the others, so there is no key exchange, no
//     authentication, no DISCONNECT and no IGNORE.
//   - An OpenSSH master passes the packets through to its server, changing
//     only the channel numbers of CHANNEL_OPEN and OPEN_CONFIRMATION
//     (channels.c channel_proxy_downstream and channel_proxy_upstream):
//     flow control is therefore end to end, and a client must keep to
//     the server's window and packet size and give window back as it
//     reads. The only global request the master accepts from a proxy
//     client is tcpip-forward; any other makes it drop the client.
//
// The codec (codec.go) is pure and fuzzed; [Conn] (conn.go) is the
// channel layer over any io.ReadWriteCloser, in either role: it opens and
// accepts channels, sends and answers requests.
package proxy
