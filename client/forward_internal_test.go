package client

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/gssh/gssh/client/config"
)

func TestParseForwardSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want forwardSpec
	}{
		{"8080 [localhost]:80", forwardSpec{listen: endpoint{port: 8080}, connect: endpoint{host: "localhost", hostSet: true, port: 80}}},
		{"[::1]:8080 [fe80::1]:22", forwardSpec{listen: endpoint{host: "::1", hostSet: true, port: 8080}, connect: endpoint{host: "fe80::1", hostSet: true, port: 22}}},
		{"[]:8080 /run/x.sock", forwardSpec{listen: endpoint{hostSet: true, port: 8080}, connect: endpoint{path: "/run/x.sock"}}},
		{"/tmp/l.sock [h]:1", forwardSpec{listen: endpoint{path: "/tmp/l.sock"}, connect: endpoint{host: "h", hostSet: true, port: 1}}},
		{"1080", forwardSpec{listen: endpoint{port: 1080}, dynamic: true}},
		{"[*]:0", forwardSpec{listen: endpoint{host: "*", hostSet: true}, dynamic: true}},
	} {
		got, err := parseForwardSpec(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseForwardSpec(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"[h:80 1", "70000 [h]:1", "[h]:x 1"} {
		if _, err := parseForwardSpec(bad); err == nil {
			t.Errorf("parseForwardSpec(%q): no error", bad)
		}
	}
}

// socksConn joins a request reader with a buffer for the replies.
type socksConn struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *socksConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *socksConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// TestReadSocksRequest feeds each request one byte per read, so that no
// parser step relies on a whole message arriving at once, and checks
// that the bytes after the request are left for the stream.
func TestReadSocksRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    []byte
		want  socksRequest
		reply []byte // what readSocksRequest itself writes
	}{
		{"socks4", []byte{4, 1, 0, 80, 10, 0, 0, 1, 'u', 0},
			socksRequest{version: 4, host: "10.0.0.1", port: 80}, nil},
		{"socks4a", append([]byte{4, 1, 0x1f, 0x90, 0, 0, 0, 9, 0}, "example.org\x00"...),
			socksRequest{version: 4, host: "example.org", port: 8080}, nil},
		{"socks5 name", append([]byte{5, 2, 2, 0, 5, 1, 0, 3, 7}, "a.b.c.d\x01\xbb"...),
			socksRequest{version: 5, host: "a.b.c.d", port: 443}, []byte{5, 0}},
		{"socks5 ipv4", []byte{5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 22},
			socksRequest{version: 5, host: "127.0.0.1", port: 22}, []byte{5, 0}},
		{"socks5 ipv6", append([]byte{5, 1, 0, 5, 1, 0, 4}, append(bytes.Repeat([]byte{0}, 15), 1, 0, 22)...),
			socksRequest{version: 5, host: "::1", port: 22}, []byte{5, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := &socksConn{in: iotest.OneByteReader(bytes.NewReader(append(tc.in, "rest"...)))}
			got, err := readSocksRequest(conn)
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

func TestReadSocksRequestRefusals(t *testing.T) {
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
		if _, err := readSocksRequest(conn); !errors.Is(err, errSocks) {
			t.Errorf("%s: error %v, want errSocks", tc.name, err)
		}
		if !bytes.Equal(conn.out.Bytes(), tc.reply) {
			t.Errorf("%s: wrote %v, want %v", tc.name, conn.out.Bytes(), tc.reply)
		}
	}
}

func TestPermitOpen(t *testing.T) {
	for _, tc := range []struct {
		list []string
		host string
		port int
		want bool
	}{
		{nil, "h", 1, true},
		{[]string{"any"}, "h", 1, true},
		{[]string{"none"}, "h", 1, false},
		{[]string{"h:1"}, "h", 1, true},
		{[]string{"h:1"}, "h", 2, false},
		{[]string{"*:22"}, "x", 22, true},
		{[]string{"db:*"}, "db", 5432, true},
		{[]string{"[::1]:22"}, "::1", 22, true},
	} {
		if got := permitOpen(tc.list, tc.host, tc.port); got != tc.want {
			t.Errorf("permitOpen(%q, %s, %d) = %v", tc.list, tc.host, tc.port, got)
		}
	}
}

// TestListenAddrs pins channels.c's choice of bind addresses for the
// client side.
func TestListenAddrs(t *testing.T) {
	for _, tc := range []struct {
		ep      endpoint
		gateway bool
		family  string
		want    []string
	}{
		{endpoint{port: 1}, false, "any", []string{"127.0.0.1", "::1"}},
		{endpoint{port: 1}, false, "inet", []string{"127.0.0.1"}},
		{endpoint{port: 1}, true, "any", []string{""}},
		{endpoint{port: 1}, true, "inet6", []string{"::"}},
		{endpoint{host: "*", hostSet: true, port: 1}, false, "any", []string{""}},
		{endpoint{hostSet: true, port: 1}, false, "inet", []string{"0.0.0.0"}},
		{endpoint{host: "localhost", hostSet: true, port: 1}, true, "any", []string{"127.0.0.1", "::1"}},
		{endpoint{host: "192.0.2.1", hostSet: true, port: 1}, false, "any", []string{"192.0.2.1"}},
	} {
		f := &Forwarding{conn: &Conn{Config: &config.Config{GatewayPorts: tc.gateway, AddressFamily: tc.family}}}
		if got := f.listenAddrs(tc.ep); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v gateway=%v %s: %q, want %q", tc.ep, tc.gateway, tc.family, got, tc.want)
		}
	}
}

func TestRfwdBindHost(t *testing.T) {
	for ep, want := range map[endpoint]string{
		{port: 1}:                          "localhost",
		{host: "*", hostSet: true}:         "",
		{hostSet: true}:                    "",
		{host: "0.0.0.0", hostSet: true}:   "0.0.0.0",
		{host: "localhost", hostSet: true}: "localhost",
	} {
		if got := rfwdBindHost(ep); got != want {
			t.Errorf("rfwdBindHost(%+v) = %q, want %q", ep, got, want)
		}
	}
}

func TestForwardErrorText(t *testing.T) {
	for err, want := range map[error]string{
		&ForwardError{}:                              "Could not request local forwarding.",
		&ForwardError{Remote: true, Port: 22}:        "Error: remote port forwarding failed for listen port 22",
		&ForwardError{Remote: true, Path: "/x.sock"}: "Error: remote port forwarding failed for listen path /x.sock",
		&StdioForwardError{Err: &ChannelOpenError{Reason: 2, Message: "Connection refused"}}: "channel 0: open failed: connect failed: Connection refused\r\nstdio forwarding failed",
	} {
		if got := err.Error(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
