package socks

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// socksConn joins a request reader with a buffer for the replies.
type socksConn struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *socksConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *socksConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// TestReadRequest feeds each request one byte per read, so that no
// parser step relies on a whole message arriving at once, and checks
// that the bytes after the request are left for the stream.
func TestReadRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		want  Request
		reply []byte // what ReadRequest itself writes
	}{
		{"socks4", []byte{4, 1, 0, 80, 10, 0, 0, 1, 'u', 0},
			Request{Version: 4, Host: "10.0.0.1", Port: 80}, nil},
		{"socks4a", append([]byte{4, 1, 0x1f, 0x90, 0, 0, 0, 9, 0}, "example.org\x00"...),
			Request{Version: 4, Host: "example.org", Port: 8080}, nil},
		{"socks5 name", append([]byte{5, 2, 2, 0, 5, 1, 0, 3, 7}, "a.b.c.d\x01\xbb"...),
			Request{Version: 5, Host: "a.b.c.d", Port: 443}, []byte{5, 0}},
		{"socks5 ipv4", []byte{5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 22},
			Request{Version: 5, Host: "127.0.0.1", Port: 22}, []byte{5, 0}},
		{"socks5 ipv6", append([]byte{5, 1, 0, 5, 1, 0, 4}, append(bytes.Repeat([]byte{0}, 15), 1, 0, 22)...),
			Request{Version: 5, Host: "::1", Port: 22}, []byte{5, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := &socksConn{in: iotest.OneByteReader(bytes.NewReader(append(tc.in, "rest"...)))}
			got, err := ReadRequest(conn)
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if !bytes.Equal(conn.out.Bytes(), tc.reply) {
				t.Errorf("wrote %v, want %v", conn.out.Bytes(), tc.reply)
			}
			if rest, _ := io.ReadAll(conn.in); string(rest) != "rest" {
				t.Errorf("left %q for the stream, want \"rest\"", rest)
			}
		})
	}
}

func TestReadRequestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		reply []byte
	}{
		{"socks5 needs auth", []byte{5, 1, 2}, []byte{5, 0xff}},
		{"socks5 bind", []byte{5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 1}, []byte{5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0}},
		{"socks4 bind", []byte{4, 2, 0, 1, 1, 2, 3, 4, 0}, []byte{0, 0x5b, 0, 0, 0, 0, 0, 0}},
		{"socks6", []byte{6}, nil},
	} {
		conn := &socksConn{in: bytes.NewReader(tc.in)}
		if _, err := ReadRequest(conn); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: error %v, want ErrBadRequest", tc.name, err)
		}
		if !bytes.Equal(conn.out.Bytes(), tc.reply) {
			t.Errorf("%s: wrote %v, want %v", tc.name, conn.out.Bytes(), tc.reply)
		}
	}
}

// TestReplyBytes pins the replies: SOCKS4's granted and rejected, and
// SOCKS5's code with an all-zero IPv4 bound address.
func TestReplyBytes(t *testing.T) {
	for _, tc := range []struct {
		version byte
		code    ReplyCode
		want    []byte
	}{
		{4, Succeeded, []byte{0, 0x5a, 0, 0, 0, 0, 0, 0}},
		{4, Refused, []byte{0, 0x5b, 0, 0, 0, 0, 0, 0}},
		{5, Succeeded, []byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}},
		{5, NotAllowed, []byte{5, 2, 0, 1, 0, 0, 0, 0, 0, 0}},
	} {
		var b bytes.Buffer
		if err := (Request{Version: tc.version}).Reply(&b, tc.code); err != nil || !bytes.Equal(b.Bytes(), tc.want) {
			t.Errorf("SOCKS%d reply %d = %v, %v; want %v", tc.version, tc.code, b.Bytes(), err, tc.want)
		}
	}
}

// FuzzReadRequest feeds arbitrary bytes to ReadRequest, one byte per
// read: no panic, and a request it accepts can be answered in its own
// version of the protocol.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte{4, 1, 0, 80, 10, 0, 0, 1, 'u', 0})
	f.Add(append([]byte{4, 1, 0x1f, 0x90, 0, 0, 0, 9, 0}, "example.org\x00"...))
	f.Add(append([]byte{5, 2, 2, 0, 5, 1, 0, 3, 7}, "a.b.c.d\x01\xbb"...))
	f.Add(append([]byte{5, 1, 0, 5, 1, 0, 4}, append(bytes.Repeat([]byte{0}, 15), 1, 0, 22)...))
	f.Add([]byte{5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 1})
	f.Add([]byte{5, 1, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		conn := &socksConn{in: iotest.OneByteReader(bytes.NewReader(in))}
		req, err := ReadRequest(conn)
		if err != nil {
			return
		}
		if req.Version != 4 && req.Version != 5 {
			t.Fatalf("accepted version %d", req.Version)
		}
		var reply bytes.Buffer
		if err := req.Reply(&reply, Succeeded); err != nil {
			t.Fatalf("Reply: %v", err)
		}
		if want := map[byte]int{4: 8, 5: 10}[req.Version]; reply.Len() != want {
			t.Fatalf("SOCKS%d reply is %d bytes, want %d", req.Version, reply.Len(), want)
		}
	})
}
