package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// The SOCKS server side of dynamic forwarding (-D, and -R without a
// destination): SOCKS4 (RFC-less, the 1992 NEC protocol), SOCKS4a (a
// host name instead of an address) and SOCKS5 (RFC 1928) without
// authentication, CONNECT only, as channels.c accepts them.
//
// Unlike ssh, which answers "granted" before it knows whether the channel
// opens, gssh answers after the server's reply, so a client sees a
// refused connection as a SOCKS failure rather than as an immediate EOF.

// SOCKS protocol constants.
const (
	socks4Version  = 4
	socks5Version  = 5
	socksConnect   = 1
	socks4Granted  = 0x5a
	socks4Rejected = 0x5b
	socks5NoAuth   = 0x00
	socks5NoMethod = 0xff
	socks5IPv4     = 1
	socks5Domain   = 3
	socks5IPv6     = 4
)

// SOCKS5 reply codes (RFC 1928 section 6).
const (
	socks5Succeeded        = 0x00
	socks5GeneralFailure   = 0x01
	socks5NotAllowed       = 0x02
	socks5Refused          = 0x05
	socks5CmdNotSupported  = 0x07
	socks5AddrNotSupported = 0x08
)

// errSocks is wrapped by every malformed or unsupported SOCKS request.
var errSocks = errors.New("socks: bad request")

// socksRequest is a CONNECT request read from a SOCKS client.
type socksRequest struct {
	version byte
	host    string
	port    int
}

func (r socksRequest) target() string { return net.JoinHostPort(r.host, strconv.Itoa(r.port)) }

// readSocksRequest reads one CONNECT request from rw, doing SOCKS5's
// method negotiation first. It reads exactly the request's bytes, so the
// stream that follows is left intact. Requests it cannot serve get their
// protocol's failure reply before the error is returned.
func readSocksRequest(rw io.ReadWriter) (socksRequest, error) {
	var ver [1]byte
	if _, err := io.ReadFull(rw, ver[:]); err != nil {
		return socksRequest{}, fmt.Errorf("socks: read version: %w", err)
	}
	switch ver[0] {
	case socks4Version:
		return readSocks4(rw)
	case socks5Version:
		return readSocks5(rw)
	}
	return socksRequest{}, fmt.Errorf("%w: version %d", errSocks, ver[0])
}

// readSocks4 reads the rest of a SOCKS4 or SOCKS4a request: command,
// port, address, NUL-terminated user id and, for 4a (address 0.0.0.x
// with x != 0), a NUL-terminated host name.
func readSocks4(rw io.ReadWriter) (socksRequest, error) {
	var hdr [7]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return socksRequest{}, fmt.Errorf("socks4: read request: %w", err)
	}
	r := socksRequest{version: socks4Version, port: int(binary.BigEndian.Uint16(hdr[1:3]))}
	ip := net.IP(hdr[3:7])
	if _, err := readCString(rw); err != nil { // user id, ignored as by ssh
		return r, err
	}
	if hdr[0] != socksConnect {
		r.reply(rw, socks5CmdNotSupported)
		return r, fmt.Errorf("%w: socks4 command %d", errSocks, hdr[0])
	}
	if ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0 {
		host, err := readCString(rw)
		if err != nil {
			return r, err
		}
		r.host = host
	} else {
		r.host = ip.String()
	}
	return r, nil
}

// readCString reads a NUL-terminated string of at most 255 bytes, one
// byte at a time so as not to read past it.
func readCString(r io.Reader) (string, error) {
	var out []byte
	var b [1]byte
	for len(out) < 256 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("socks4: read string: %w", err)
		}
		if b[0] == 0 {
			return string(out), nil
		}
		out = append(out, b[0])
	}
	return "", fmt.Errorf("%w: socks4 string too long", errSocks)
}

// readSocks5 negotiates "no authentication" and reads the request.
func readSocks5(rw io.ReadWriter) (socksRequest, error) {
	r := socksRequest{version: socks5Version}
	var n [1]byte
	if _, err := io.ReadFull(rw, n[:]); err != nil {
		return r, fmt.Errorf("socks5: read methods: %w", err)
	}
	methods := make([]byte, n[0])
	if _, err := io.ReadFull(rw, methods); err != nil {
		return r, fmt.Errorf("socks5: read methods: %w", err)
	}
	chosen := byte(socks5NoMethod)
	for _, m := range methods {
		if m == socks5NoAuth {
			chosen = socks5NoAuth
		}
	}
	if _, err := rw.Write([]byte{socks5Version, chosen}); err != nil {
		return r, fmt.Errorf("socks5: write method: %w", err)
	}
	if chosen == socks5NoMethod {
		return r, fmt.Errorf("%w: socks5 client offers no unauthenticated method", errSocks)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return r, fmt.Errorf("socks5: read request: %w", err)
	}
	if hdr[0] != socks5Version {
		return r, fmt.Errorf("%w: socks5 request version %d", errSocks, hdr[0])
	}
	switch hdr[3] {
	case socks5IPv4, socks5IPv6:
		size := net.IPv4len
		if hdr[3] == socks5IPv6 {
			size = net.IPv6len
		}
		ip := make(net.IP, size)
		if _, err := io.ReadFull(rw, ip); err != nil {
			return r, fmt.Errorf("socks5: read address: %w", err)
		}
		r.host = ip.String()
	case socks5Domain:
		if _, err := io.ReadFull(rw, n[:]); err != nil {
			return r, fmt.Errorf("socks5: read name: %w", err)
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(rw, name); err != nil {
			return r, fmt.Errorf("socks5: read name: %w", err)
		}
		r.host = string(name)
	default:
		r.reply(rw, socks5AddrNotSupported)
		return r, fmt.Errorf("%w: socks5 address type %d", errSocks, hdr[3])
	}
	var port [2]byte
	if _, err := io.ReadFull(rw, port[:]); err != nil {
		return r, fmt.Errorf("socks5: read port: %w", err)
	}
	r.port = int(binary.BigEndian.Uint16(port[:]))
	if hdr[1] != socksConnect {
		r.reply(rw, socks5CmdNotSupported)
		return r, fmt.Errorf("%w: socks5 command %d", errSocks, hdr[1])
	}
	return r, nil
}

// reply answers the request with a SOCKS5 reply code; SOCKS4 knows only
// granted and rejected. The bound address is all zeros, as from ssh.
func (r socksRequest) reply(w io.Writer, code byte) error {
	var msg []byte
	if r.version == socks4Version {
		status := byte(socks4Granted)
		if code != socks5Succeeded {
			status = socks4Rejected
		}
		msg = []byte{0, status, 0, 0, 0, 0, 0, 0}
	} else {
		msg = []byte{socks5Version, code, 0, socks5IPv4, 0, 0, 0, 0, 0, 0}
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("socks: write reply: %w", err)
	}
	return nil
}
