// Package kexlog logs the start of an SSH connection as ssh -v does.
//
// x/crypto/ssh runs the version exchange and the first key exchange out
// of sight: it exposes the negotiated algorithms only once NEWKEYS has
// been received (ssh.AlgorithmsConnMetadata), after the host key was
// checked, where ssh logs them before. Conn wraps the socket below
// x/crypto and reads what passes in clear in each direction — the
// identification lines (RFC 4253 §4.2) and the binary packets up to and
// including SSH_MSG_NEWKEYS, which have no MAC and no encryption yet
// (§6) — and logs, in ssh's words and order (kex.c kex_choose_conf,
// kexgen.c, kexgex.c, packet.c ssh_set_newkeys):
//
//	debug1: Local version string SSH-2.0-gssh_0.1
//	debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 ...
//	debug1: Authenticating to HOST:PORT as 'USER'
//	debug1: SSH2_MSG_KEXINIT sent
//	debug1: SSH2_MSG_KEXINIT received
//	debug2: local client KEXINIT proposal (and each list, then the peer's)
//	debug1: kex: algorithm: curve25519-sha256
//	debug1: kex: host key algorithm: ssh-ed25519
//	debug1: kex: server->client cipher: aes128-gcm@openssh.com MAC: <implicit> compression: none
//	debug1: kex: client->server cipher: aes128-gcm@openssh.com MAC: <implicit> compression: none
//	debug1: expecting SSH2_MSG_KEX_ECDH_REPLY
//	debug1: SSH2_MSG_KEX_ECDH_REPLY received
//	(the host key lines come from the host key callback here)
//	debug1: ssh_packet_send2_wrapped: resetting send seqnr 3   (strict kex)
//	debug1: rekey out after 4294967296 blocks
//	debug1: SSH2_MSG_NEWKEYS sent
//	debug1: expecting SSH2_MSG_NEWKEYS
//	debug1: ssh_packet_read_poll2: resetting read seqnr 3     (strict kex)
//	debug1: SSH2_MSG_NEWKEYS received
//	debug1: rekey in after 4294967296 blocks
//
// The algorithms are computed from the two KEXINITs by RFC 4253 §7.1's
// rule, the one x/crypto applies (Negotiate); a test checks the result
// against x/crypto's own after the handshake. Lines that depend on both
// directions wait for both: the server's KEXINIT and NEWKEYS often arrive
// before gssh has sent its own, and ssh logs them after.
//
// Nothing passing through is changed, and the parsing stops for good at
// the first NEWKEYS of each direction or at anything malformed (a line
// over 8 KiB, a packet over 256 KiB); text from the server reaches the
// log through sshlog, which makes it safe for a terminal. Conn also
// counts the bytes each way for ssh's closing "Transferred:" line.
package kexlog
