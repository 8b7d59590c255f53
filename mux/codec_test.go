package mux

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// allMessages holds at least one value of every message type, with fields
// chosen to exercise edge values (zero, maximum, Unix paths, NUL-free text
// with odd bytes, optional lists empty and full).
var allMessages = []struct {
	name string
	msg  Message
}{
	{"hello", &Hello{Version: Version}},
	{"hello/extensions", &Hello{Version: 4, Extensions: []Extension{{"a@example.com", ""}, {"b", "\x00\xff binary"}}}},
	{"new-session/minimal", &NewSession{EscapeChar: NoEscapeChar}},
	{"new-session/full", &NewSession{
		RequestID: 0xffffffff, WantTTY: true, WantX11: true, WantAgent: true, Subsystem: true,
		EscapeChar: '~', Term: "xterm-256color", Command: "echo 'hi'; exit 3",
		Env: []string{"LANG=C.UTF-8", "GSSH_X=a=b", "EMPTY="},
	}},
	{"new-session/utf8", &NewSession{RequestID: 1, EscapeChar: 0xe9, Command: "printf '\u00e9\u2603'"}},
	{"alive-check", &AliveCheck{RequestID: 7}},
	{"terminate", &Terminate{RequestID: 8}},
	{"open-fwd/local", &OpenForward{RequestID: 3, Forward: Forward{Kind: ForwardLocal, ListenPort: 8080, ConnectHost: "db.internal", ConnectPort: 5432}}},
	{"open-fwd/remote-alloc", &OpenForward{RequestID: 4, Forward: Forward{Kind: ForwardRemote, ListenHost: "*", ListenPort: 0, ConnectHost: "localhost", ConnectPort: 65535}}},
	{"open-fwd/dynamic", &OpenForward{RequestID: 5, Forward: Forward{Kind: ForwardDynamic, ListenHost: "127.0.0.1", ListenPort: 1080}}},
	{"open-fwd/unix", &OpenForward{RequestID: 6, Forward: Forward{Kind: ForwardLocal, ListenHost: "/tmp/l.sock", ListenPort: PortStreamLocal, ConnectHost: "/run/r.sock", ConnectPort: PortStreamLocal}}},
	{"open-fwd/unknown-type", &OpenForward{Forward: Forward{Kind: 99}}},
	{"close-fwd", &CloseForward{RequestID: 9, Forward: Forward{Kind: ForwardRemote, ListenPort: 2222, ConnectHost: "[::1]", ConnectPort: 22}}},
	{"stdio-fwd", &NewStdioForward{RequestID: 10, ConnectHost: "example.org", ConnectPort: 22}},
	{"stdio-fwd/unix", &NewStdioForward{RequestID: 11, ConnectHost: "/run/ssh.sock", ConnectPort: PortStreamLocal}},
	{"stdio-fwd/int-max", &NewStdioForward{ConnectPort: 1<<31 - 1}},
	{"stop-listening", &StopListening{RequestID: 12}},
	{"proxy", &ProxyRequest{RequestID: 13}},
	{"ok", &OK{RequestID: 14}},
	{"permission-denied", &PermissionDenied{RequestID: 15, Reason: "Permission denied"}},
	{"failure", &Failure{RequestID: 16, Reason: "unsupported request"}},
	{"failure/empty", &Failure{}},
	{"exit-message", &ExitMessage{SessionID: 2, ExitValue: 255}},
	{"alive", &Alive{RequestID: 17, PID: 123456}},
	{"session-opened", &SessionOpened{RequestID: 18, SessionID: 3}},
	{"remote-port", &RemotePort{RequestID: 19, Port: 43210}},
	{"tty-alloc-fail", &TTYAllocFail{SessionID: 4}},
	{"proxy-reply", &ProxyReply{RequestID: 20}},
	{"info", &InfoRequest{RequestID: 21, What: "conninfo"}},
	{"info-reply", &InfoReply{RequestID: 21, Text: "Connection to h\n"}},
	{"signal-session", &SignalSession{RequestID: 22, SessionID: 5, Signal: "TERM"}},
	{"upstream-check", &UpstreamCheck{RequestID: 23, TimeoutMS: 800}},
	{"session-check", &SessionCheck{RequestID: 24, TimeoutMS: 800}},
}

// TestRoundTrip checks decode(encode(m)) == m for every message, that the
// payload starts with the type number, and that WriteMessage/ReadMessage
// frame it with the right length.
func TestRoundTrip(t *testing.T) {
	seen := map[MsgType]bool{}
	for _, tc := range allMessages {
		t.Run(tc.name, func(t *testing.T) {
			seen[tc.msg.Type()] = true
			p, err := Encode(tc.msg)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got := MsgType(binary.BigEndian.Uint32(p)); got != tc.msg.Type() {
				t.Fatalf("payload type %v, want %v", got, tc.msg.Type())
			}
			m, err := Decode(p)
			if err != nil {
				t.Fatalf("Decode(%x): %v", p, err)
			}
			if !reflect.DeepEqual(m, tc.msg) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", m, tc.msg)
			}

			var buf bytes.Buffer
			if err := WriteMessage(&buf, tc.msg); err != nil {
				t.Fatal(err)
			}
			if got, want := buf.Bytes(), append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...); !bytes.Equal(got, want) {
				t.Fatalf("WriteMessage wrote %x, want %x", got, want)
			}
			m, err = ReadMessage(&buf)
			if err != nil || !reflect.DeepEqual(m, tc.msg) {
				t.Fatalf("ReadMessage = %#v, %v", m, err)
			}
		})
	}
	for _, typ := range allTypes {
		if newMessage(typ) == nil {
			t.Errorf("newMessage(%v) = nil", typ)
		}
		if !seen[typ] {
			t.Errorf("no round-trip case for %v", typ)
		}
	}
	for _, typ := range []MsgType{0, 2, 0x10000001, 0x10000003, 0x1000000a, 0x1000000e, 0x80000000, 0x80000009, 0x8000000e} {
		if m := newMessage(typ); m != nil {
			t.Errorf("newMessage(%v) = %T, want nil", typ, m)
		}
	}
}

// allTypes lists every type number PROTOCOL.mux and mux.c define, and
// gssh's info request and reply.
var allTypes = []MsgType{
	MsgHello, MsgNewSession, MsgAliveCheck, MsgTerminate, MsgOpenForward,
	MsgCloseForward, MsgNewStdioForward, MsgStopListening, MsgProxyRequest,
	MsgOK, MsgPermissionDenied, MsgFailure, MsgExitMessage, MsgAlive,
	MsgSessionOpened, MsgRemotePort, MsgTTYAllocFail, MsgProxyReply,
	MsgInfoRequest, MsgInfoReply, MsgSignalSession, MsgUpstreamCheck,
	MsgSessionCheck,
}

// TestGolden pins exact bytes, written out by hand from PROTOCOL.mux and
// mux.c, so that a symmetric bug in encoder and decoder cannot hide.
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		msg   Message
		frame string // hex, spaces ignored
	}{
		{"hello", &Hello{Version: 4},
			"00000008 00000001 00000004"},
		{"hello with extension", &Hello{Version: 4, Extensions: []Extension{{"x", "yz"}}},
			"00000013 00000001 00000004 00000001 78 00000002 797a"},
		{"alive check", &AliveCheck{RequestID: 7},
			"00000008 10000004 00000007"},
		{"alive", &Alive{RequestID: 7, PID: 0x01020304},
			"0000000c 80000005 00000007 01020304"},
		{"failure", &Failure{RequestID: 1, Reason: "no"},
			"0000000e 80000003 00000001 00000002 6e6f"},
		{"exit message", &ExitMessage{SessionID: 5, ExitValue: 3},
			"0000000c 80000004 00000005 00000003"},
		{"new session", &NewSession{RequestID: 2, WantTTY: true, EscapeChar: '~', Term: "xterm", Command: "ls", Env: []string{"A=b"}},
			"00000036 10000002 00000002" +
				" 00000000" + // reserved
				" 00000001 00000000 00000000 00000000" + // tty, x11, agent, subsystem
				" 0000007e" + // '~'
				" 00000005 787465726d" + // "xterm"
				" 00000002 6c73" + // "ls"
				" 00000003 413d62"}, // "A=b"
		{"open fwd unix", &OpenForward{RequestID: 3, Forward: Forward{Kind: ForwardLocal, ListenPort: 8080, ConnectHost: "/s", ConnectPort: PortStreamLocal}},
			"0000001e 10000006 00000003 00000001" +
				" 00000000 00001f90" + // "" : 8080
				" 00000002 2f73 fffffffe"}, // "/s" : streamlocal
		{"stdio fwd", &NewStdioForward{RequestID: 4, ConnectHost: "h", ConnectPort: 22},
			"00000015 10000008 00000004 00000000 00000001 68 00000016"},
		{"tty alloc fail", &TTYAllocFail{SessionID: 9},
			"00000008 80000008 00000009"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := hex.DecodeString(strings.ReplaceAll(tc.frame, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteMessage(&buf, tc.msg); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("encoded\n got %x\nwant %x", buf.Bytes(), want)
			}
			m, err := ReadMessage(bytes.NewReader(want))
			if err != nil || !reflect.DeepEqual(m, tc.msg) {
				t.Fatalf("decoded %#v, %v", m, err)
			}
		})
	}
}

// TestDecodeNormalises covers inputs that decode but do not re-encode
// byte for byte: mux.c treats any non-zero flag as true and ignores the
// reserved string's contents.
func TestDecodeNormalises(t *testing.T) {
	p := hexBytes(t, "10000002 00000001 00000003 616263 00000002 00000000 ffffffff 00000000 ffffffff 00000000 00000000")
	m, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	want := &NewSession{RequestID: 1, WantTTY: true, WantAgent: true, EscapeChar: NoEscapeChar}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %#v, want %#v", m, want)
	}
}

func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeMalformed feeds payloads that OpenSSH would reject (or that a
// hostile peer might send) and checks the typed error.
func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		reason  error // for *FieldError
		field   string
	}{
		{"empty", "", ErrTruncated, "type"},
		{"short type", "100000", ErrTruncated, "type"},
		{"no request id", "10000004", ErrTruncated, "request id"},
		{"short request id", "10000004 0000", ErrTruncated, "request id"},
		{"hello without version", "00000001", ErrTruncated, "version"},
		{"hello extension without value", "00000001 00000004 00000001 61", ErrTruncated, "extension value"},
		{"hello extension name with NUL", "00000001 00000004 00000001 00 00000000", ErrNUL, "extension name"},
		{"hello half length", "00000001 00000004 0000", ErrTruncated, "extension name"},
		{"trailing byte", "10000004 00000001 00", ErrTrailingData, "end"},
		{"trailing after exit", "80000004 00000001 00000002 00000003", ErrTrailingData, "end"},
		{"string longer than payload", "80000003 00000001 00000005 616263", ErrTruncated, "reason"},
		{"string length 4 GiB", "80000003 00000001 ffffffff 616263", ErrTruncated, "reason"},
		{"reason with NUL", "80000002 00000001 00000003 610062", ErrNUL, "reason"},
		{"new session reserved too long", "10000002 00000001 00000009 00", ErrTruncated, "reserved"},
		{"new session stops after flags", "10000002 00000001 00000000 00000001 00000000 00000000 00000000", ErrTruncated, "escape char"},
		{"new session no command", "10000002 00000001 00000000 00000000 00000000 00000000 00000000 ffffffff 00000000", ErrTruncated, "command"},
		{"new session term with NUL", "10000002 00000001 00000000 00000000 00000000 00000000 00000000 ffffffff 00000001 00 00000000", ErrNUL, "terminal type"},
		{"new session env truncated", "10000002 00000001 00000000 00000000 00000000 00000000 00000000 ffffffff 00000000 00000000 00000004 413d", ErrTruncated, "environment"},
		{"new session env partial length", "10000002 00000001 00000000 00000000 00000000 00000000 00000000 ffffffff 00000000 00000000 00", ErrTruncated, "environment"},
		{"open fwd listen port 65536", "10000006 00000001 00000001 00000000 00010000 00000001 68 00000016", ErrPortRange, "listen port"},
		{"open fwd connect port -1", "10000006 00000001 00000001 00000000 00000016 00000001 68 ffffffff", ErrPortRange, "connect port"},
		{"close fwd no connect port", "10000007 00000001 00000002 00000000 00000016 00000001 68", ErrTruncated, "connect port"},
		{"open fwd host with NUL", "10000006 00000001 00000001 00000001 00 00000016 00000001 68 00000016", ErrNUL, "listen host"},
		{"stdio fwd port 2^31", "10000008 00000001 00000000 00000001 68 80000000", ErrPortRange, "connect port"},
		{"stdio fwd no port", "10000008 00000001 00000000 00000001 68", ErrTruncated, "connect port"},
		{"alive without pid", "80000005 00000001", ErrTruncated, "pid"},
		{"session opened without sid", "80000006 00000001", ErrTruncated, "session id"},
		{"exit without value", "80000004 00000001", ErrTruncated, "exit value"},
		{"remote port without port", "80000007 00000001", ErrTruncated, "port"},
		{"tty alloc fail empty", "80000008", ErrTruncated, "session id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode(hexBytes(t, tc.payload))
			if m != nil {
				t.Errorf("got message %#v with error %v", m, err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want *FieldError", err, err)
			}
			if !errors.Is(err, tc.reason) || fe.Field != tc.field {
				t.Fatalf("error %q: reason %v field %q, want %v field %q", err, fe.Err, fe.Field, tc.reason, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "mux: ") {
				t.Fatalf("error %q lacks the mux: prefix", err)
			}
		})
	}
}

// TestDecodeUnknownType checks that an unknown type keeps the request id
// when there is one, which a master needs for its FAILURE reply.
func TestDecodeUnknownType(t *testing.T) {
	tests := []struct {
		payload string
		want    UnknownTypeError
	}{
		{"10000003 0000002a", UnknownTypeError{Type: 0x10000003, RequestID: 42, HasRequestID: true}},
		{"10000003 0000002a ffff", UnknownTypeError{Type: 0x10000003, RequestID: 42, HasRequestID: true}},
		{"00000000", UnknownTypeError{Type: 0}},
		{"deadbeef 0102", UnknownTypeError{Type: 0xdeadbeef}},
	}
	for _, tc := range tests {
		_, err := Decode(hexBytes(t, tc.payload))
		var ue *UnknownTypeError
		if !errors.As(err, &ue) || *ue != tc.want {
			t.Errorf("Decode(%s) = %v, want %+v", tc.payload, err, tc.want)
			continue
		}
		if want := "mux: unknown message type " + tc.want.Type.String(); err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
	}
}

// TestEncodeRejects checks that Encode refuses exactly what Decode would
// refuse, so that a successful Encode always decodes.
func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name   string
		msg    Message
		reason error
		field  string
	}{
		{"term with NUL", &NewSession{Term: "a\x00b"}, ErrNUL, "terminal type"},
		{"env with NUL", &NewSession{Env: []string{"A=1", "B=\x00"}}, ErrNUL, "environment"},
		{"reason with NUL", &Failure{Reason: "\x00"}, ErrNUL, "reason"},
		{"extension name with NUL", &Hello{Extensions: []Extension{{"\x00", ""}}}, ErrNUL, "extension name"},
		{"listen port", &OpenForward{Forward: Forward{ListenPort: 65536}}, ErrPortRange, "listen port"},
		{"connect port", &CloseForward{Forward: Forward{ConnectPort: 0xffffffff}}, ErrPortRange, "connect port"},
		{"stdio port", &NewStdioForward{ConnectPort: 1 << 31}, ErrPortRange, "connect port"},
		{"first error wins", &NewSession{Term: "\x00", Command: "\x00"}, ErrNUL, "terminal type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Encode(tc.msg)
			var fe *FieldError
			if p != nil || !errors.As(err, &fe) || !errors.Is(err, tc.reason) || fe.Field != tc.field || fe.Type != tc.msg.Type() {
				t.Fatalf("Encode = %x, %v; want %v in %q", p, err, tc.reason, tc.field)
			}
			if err := WriteMessage(io.Discard, tc.msg); !errors.Is(err, tc.reason) {
				t.Fatalf("WriteMessage = %v", err)
			}
		})
	}
}

func TestEncodeTooLarge(t *testing.T) {
	// Type, request id, empty reserved, 4 flags, escape, empty term, and
	// the command's length: 40 bytes around the command.
	fits := &NewSession{Command: strings.Repeat("x", MaxFrameSize-40)}
	if _, err := Encode(fits); err != nil {
		t.Fatalf("payload of exactly MaxFrameSize: %v", err)
	}
	fits.Command += "x"
	_, err := Encode(fits)
	var fe *FrameTooLargeError
	if !errors.As(err, &fe) || fe.Length != MaxFrameSize+1 || fe.Max != MaxFrameSize {
		t.Fatalf("Encode = %v, want FrameTooLargeError{%d}", err, MaxFrameSize+1)
	}
	if err := WriteFrame(io.Discard, make([]byte, MaxFrameSize+1)); !errors.As(err, &fe) {
		t.Fatalf("WriteFrame = %v", err)
	}
}

// TestReadFrameExact checks that ReadFrame consumes one frame's bytes and
// nothing more: the next byte may carry a passed descriptor.
func TestReadFrameExact(t *testing.T) {
	var stream bytes.Buffer
	WriteFrame(&stream, []byte("first"))
	stream.WriteByte(0) // the data byte of an fd-passing message
	WriteFrame(&stream, nil)
	r := bytes.NewReader(stream.Bytes())

	p, err := ReadFrame(r, MaxFrameSize)
	if err != nil || string(p) != "first" {
		t.Fatalf("ReadFrame = %q, %v", p, err)
	}
	if r.Len() != 5 {
		t.Fatalf("ReadFrame left %d bytes, want 5", r.Len())
	}
	if b, _ := r.ReadByte(); b != 0 {
		t.Fatalf("next byte %#x", b)
	}
	p, err = ReadFrame(r, MaxFrameSize)
	if err != nil || len(p) != 0 {
		t.Fatalf("empty frame: %q, %v", p, err)
	}
	if _, err := ReadFrame(r, MaxFrameSize); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF itself", err)
	}
}

// TestReadFrameOneByteAtATime reads through a reader that returns a byte
// per call, as a socket may.
func TestReadFrameOneByteAtATime(t *testing.T) {
	var stream bytes.Buffer
	WriteMessage(&stream, &Failure{RequestID: 3, Reason: "split"})
	m, err := ReadMessage(&oneByteReader{stream.Bytes()})
	if want := (&Failure{RequestID: 3, Reason: "split"}); err != nil || !reflect.DeepEqual(m, want) {
		t.Fatalf("got %#v, %v", m, err)
	}
}

type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0], r.b = r.b[0], r.b[1:]
	return 1, nil
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		max   int
		check func(error) bool
	}{
		{"partial header", "0000", MaxFrameSize, isUnexpectedEOF},
		{"header only", "00000004", MaxFrameSize, isUnexpectedEOF},
		{"short body", "00000004 0102", MaxFrameSize, isUnexpectedEOF},
		{"over mux.c limit", "00040001", MaxFrameSize, isTooLarge(MaxFrameSize + 1)},
		{"4 GiB", "ffffffff", MaxFrameSize, isTooLarge(0xffffffff)},
		{"over caller limit", "00000009 000000000000000000", 8, isTooLarge(9)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadFrame(bytes.NewReader(hexBytes(t, tc.input)), tc.max)
			if p != nil || !tc.check(err) {
				t.Fatalf("ReadFrame = %x, %v (%T)", p, err, err)
			}
			if !strings.HasPrefix(err.Error(), "mux: ") {
				t.Fatalf("error %q lacks the mux: prefix", err)
			}
		})
	}
	// The limit itself is allowed.
	if p, err := ReadFrame(bytes.NewReader(hexBytes(t, "00000002 0102")), 2); err != nil || len(p) != 2 {
		t.Fatalf("frame at the limit: %x, %v", p, err)
	}
}

func isUnexpectedEOF(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }

func isTooLarge(n uint64) func(error) bool {
	return func(err error) bool {
		var fe *FrameTooLargeError
		return errors.As(err, &fe) && fe.Length == n
	}
}

// TestReadFrameHostileLengthRefusedBeforeAllocating checks that a length field
// announcing gigabytes is refused before any buffer is made for it.
func TestReadFrameHostileLengthRefusedBeforeAllocating(t *testing.T) {
	hdr := hexBytes(t, "7fffffff")
	allocs := testing.AllocsPerRun(100, func() {
		ReadFrame(bytes.NewReader(hdr), MaxFrameSize)
	})
	// The reader, the 4-byte header and the error value; none is sized by
	// the length field.
	if allocs > 3 {
		t.Fatalf("%v allocations for a refused frame", allocs)
	}
}

// TestDecodeCopies checks that decoded strings do not alias the payload,
// which callers reuse.
func TestDecodeCopies(t *testing.T) {
	p, _ := Encode(&Failure{RequestID: 1, Reason: "abc"})
	m, err := Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p {
		p[i] = 'X'
	}
	if r := m.(*Failure).Reason; r != "abc" {
		t.Fatalf("reason changed with the payload: %q", r)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteErrors(t *testing.T) {
	if err := WriteMessage(failWriter{}, &OK{}); !errors.Is(err, io.ErrClosedPipe) || !strings.HasPrefix(err.Error(), "mux: ") {
		t.Fatalf("WriteMessage = %v", err)
	}
	if err := WriteFrame(failWriter{}, nil); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("WriteFrame = %v", err)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got  interface{ String() string }
		want string
	}{
		{MsgHello, "MUX_MSG_HELLO"},
		{MsgNewSession, "MUX_C_NEW_SESSION"},
		{MsgProxyRequest, "MUX_C_PROXY"},
		{MsgProxyReply, "MUX_S_PROXY"},
		{MsgInfoRequest, "MUX_C_INFO"},
		{MsgInfoReply, "MUX_S_INFO"},
		{MsgSignalSession, "MUX_C_SIGNAL_SESSION"},
		{MsgUpstreamCheck, "MUX_C_UPSTREAM_CHECK"},
		{MsgSessionCheck, "MUX_C_SESSION_CHECK"},
		{MsgTTYAllocFail, "MUX_S_TTY_ALLOC_FAIL"},
		{MsgType(0x10000003), "0x10000003"},
		{ForwardLocal, "local"},
		{ForwardRemote, "remote"},
		{ForwardDynamic, "dynamic"},
		{ForwardKind(7), "forward type 7"},
	}
	for _, tc := range tests {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("String() = %q, want %q", s, tc.want)
		}
	}
	for _, tc := range allMessages {
		if s := tc.msg.Type().String(); !strings.HasPrefix(s, "MUX_") {
			t.Errorf("%s: type name %q", tc.name, s)
		}
	}
	err := &FieldError{Type: MsgNewSession, Field: "command", Err: ErrNUL}
	if want := "mux: NUL byte in text field (MUX_C_NEW_SESSION, command)"; err.Error() != want {
		t.Errorf("FieldError = %q, want %q", err, want)
	}
}
