// Package socks is the server side of the SOCKS protocol, and only the
// protocol: it reads a client's CONNECT request and writes the reply,
// knowing nothing of what carries the connection. gssh's dynamic
// forwarding (-D, and -R without a destination) serves it as channels.c
// does: SOCKS4 (RFC-less, the 1992 NEC protocol), SOCKS4a (a host name
// instead of an address) and SOCKS5 (RFC 1928) without authentication,
// CONNECT only.
package socks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

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

// ReplyCode is a SOCKS5 reply code (RFC 1928 section 6). SOCKS4 knows
// only granted (Succeeded) and rejected (any other).
type ReplyCode byte

// The reply codes gssh sends.
const (
	Succeeded        ReplyCode = 0x00
	GeneralFailure   ReplyCode = 0x01
	NotAllowed       ReplyCode = 0x02
	Refused          ReplyCode = 0x05
	CmdNotSupported  ReplyCode = 0x07
	AddrNotSupported ReplyCode = 0x08
)

// ErrBadRequest is wrapped by every malformed or unsupported SOCKS
// request.
var ErrBadRequest = errors.New("socks: bad request")

// Request is a CONNECT request read from a SOCKS client.
type Request struct {
	Version byte // 4 (also for 4a) or 5
	Host    string
	Port    int
}

// Target is the destination as "host:port".
func (r Request) Target() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// ReadRequest reads one CONNECT request from rw, doing SOCKS5's method
// negotiation first. It reads exactly the request's bytes, so the stream
// that follows is left intact. Requests it cannot serve get their
// protocol's failure reply before the error is returned.
func ReadRequest(rw io.ReadWriter) (Request, error) {
	var ver [1]byte
	if _, err := io.ReadFull(rw, ver[:]); err != nil {
		return Request{}, fmt.Errorf("socks: read version: %w", err)
	}
	switch ver[0] {
	case socks4Version:
		return readSocks4(rw)
	case socks5Version:
		return readSocks5(rw)
	}
	return Request{}, fmt.Errorf("%w: version %d", ErrBadRequest, ver[0])
}

// readSocks4 reads the rest of a SOCKS4 or SOCKS4a request: command,
// port, address, NUL-terminated user id and, for 4a (address 0.0.0.x
// with x != 0), a NUL-terminated host name.
func readSocks4(rw io.ReadWriter) (Request, error) {
	var hdr [7]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return Request{}, fmt.Errorf("socks4: read request: %w", err)
	}
	r := Request{Version: socks4Version, Port: int(binary.BigEndian.Uint16(hdr[1:3]))}
	ip := net.IP(hdr[3:7])
	if _, err := readCString(rw); err != nil { // user id, ignored as by ssh
		return r, err
	}
	if hdr[0] != socksConnect {
		r.Reply(rw, CmdNotSupported)
		return r, fmt.Errorf("%w: socks4 command %d", ErrBadRequest, hdr[0])
	}
	if ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0 {
		host, err := readCString(rw)
		if err != nil {
			return r, err
		}
		r.Host = host
	} else {
		r.Host = ip.String()
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
	return "", fmt.Errorf("%w: socks4 string too long", ErrBadRequest)
}

// readSocks5 negotiates "no authentication" and reads the request.
func readSocks5(rw io.ReadWriter) (Request, error) {
	r := Request{Version: socks5Version}
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
		return r, fmt.Errorf("%w: socks5 client offers no unauthenticated method", ErrBadRequest)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return r, fmt.Errorf("socks5: read request: %w", err)
	}
	if hdr[0] != socks5Version {
		return r, fmt.Errorf("%w: socks5 request version %d", ErrBadRequest, hdr[0])
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
		r.Host = ip.String()
	case socks5Domain:
		if _, err := io.ReadFull(rw, n[:]); err != nil {
			return r, fmt.Errorf("socks5: read name: %w", err)
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(rw, name); err != nil {
			return r, fmt.Errorf("socks5: read name: %w", err)
		}
		r.Host = string(name)
	default:
		r.Reply(rw, AddrNotSupported)
		return r, fmt.Errorf("%w: socks5 address type %d", ErrBadRequest, hdr[3])
	}
	var port [2]byte
	if _, err := io.ReadFull(rw, port[:]); err != nil {
		return r, fmt.Errorf("socks5: read port: %w", err)
	}
	r.Port = int(binary.BigEndian.Uint16(port[:]))
	if hdr[1] != socksConnect {
		r.Reply(rw, CmdNotSupported)
		return r, fmt.Errorf("%w: socks5 command %d", ErrBadRequest, hdr[1])
	}
	return r, nil
}

// Reply answers the request with a reply code, in the request's version
// of the protocol. The bound address is all zeros, as from ssh.
func (r Request) Reply(w io.Writer, code ReplyCode) error {
	var msg []byte
	if r.Version == socks4Version {
		status := byte(socks4Granted)
		if code != Succeeded {
			status = socks4Rejected
		}
		msg = []byte{0, status, 0, 0, 0, 0, 0, 0}
	} else {
		msg = []byte{socks5Version, byte(code), 0, socks5IPv4, 0, 0, 0, 0, 0, 0}
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("socks: write reply: %w", err)
	}
	return nil
}
