package mux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxFrameSize is the largest payload, in bytes, that OpenSSH's master
// accepts in one frame (CHANNEL_MUX_MAX_PACKET in channels.c); it closes
// the control connection on anything larger.
const MaxFrameSize = 256 * 1024

// Reasons carried by a [FieldError]; test for them with errors.Is.
var (
	// ErrTruncated means the payload ended inside a field, or a string's
	// length prefix claimed more bytes than the payload holds.
	ErrTruncated = errors.New("mux: truncated message")
	// ErrTrailingData means bytes follow the last field of a message whose
	// layout is fixed.
	ErrTrailingData = errors.New("mux: trailing data after message")
	// ErrNUL means a text field contains a NUL byte, which OpenSSH's
	// sshbuf_get_cstring refuses.
	ErrNUL = errors.New("mux: NUL byte in text field")
	// ErrPortRange means a port is neither 0–65535 (0–2³¹−1 for a stdio
	// forward, as in mux.c) nor [PortStreamLocal].
	ErrPortRange = errors.New("mux: port out of range")
)

// FieldError reports a message that cannot be encoded or decoded because
// of one field. Err is one of ErrTruncated, ErrTrailingData, ErrNUL or
// ErrPortRange.
type FieldError struct {
	Type  MsgType
	Field string
	Err   error
}

// Error names the reason, then the message type and field.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%v (%v, %s)", e.Err, e.Type, e.Field)
}

// Unwrap returns the reason, so that errors.Is(err, ErrTruncated) works.
func (e *FieldError) Unwrap() error { return e.Err }

// UnknownTypeError reports a payload whose type number this package does
// not know. A master answers such a request with FAILURE "unsupported
// request" carrying its request id, as mux.c does, so the id is kept.
type UnknownTypeError struct {
	Type MsgType
	// RequestID is the uint32 after the type, valid when HasRequestID.
	RequestID    uint32
	HasRequestID bool
}

// Error names the unknown type in hex.
func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("mux: unknown message type %v", e.Type)
}

// FrameTooLargeError reports a frame whose length exceeds the limit, either
// announced by a peer ([ReadFrame]) or produced by [Encode]. Length is a
// uint64 so that an encoder can report sizes beyond uint32.
type FrameTooLargeError struct {
	Length uint64
	Max    int
}

// Error gives the length and the limit.
func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("mux: frame of %d bytes exceeds the limit of %d", e.Length, e.Max)
}

// Encode returns the payload of m: its uint32 type followed by its fields,
// without the frame's length prefix. It fails with a [*FieldError] when a
// field cannot be represented in a way OpenSSH would accept (see
// [Decode]), and with a [*FrameTooLargeError] when the payload would exceed
// [MaxFrameSize]; so whatever Encode returns, Decode gives back m.
func Encode(m Message) ([]byte, error) {
	// 64 bytes holds every fixed-layout message without regrowing.
	return appendPayload(make([]byte, 0, 64), m)
}

// appendPayload appends m's payload to b: WriteMessage builds the frame in
// place behind a reserved length prefix to avoid a copy.
func appendPayload(b []byte, m Message) ([]byte, error) {
	start := len(b)
	e := encoder{typ: m.Type(), b: b}
	e.uint32(uint32(m.Type()))
	m.encode(&e)
	if e.err != nil {
		return nil, e.err
	}
	if n := len(e.b) - start; n > MaxFrameSize {
		return nil, &FrameTooLargeError{Length: uint64(n), Max: MaxFrameSize}
	}
	return e.b, nil
}

// Decode parses one payload (a frame without its length prefix) into the
// message its type number names. It never panics, and what it allocates
// is bounded by a small multiple of the payload's size: string lengths are
// checked against the bytes present before anything is copied, never used
// to size a buffer. Errors are [*FieldError] (with
// ErrTruncated, ErrTrailingData, ErrNUL or ErrPortRange) or
// [*UnknownTypeError].
//
// Decode is stricter than mux.c in one respect: trailing bytes after a
// fixed-layout message are an error, where OpenSSH ignores them. No
// version-4 peer sends them, and a message that does not match its layout
// is more likely a framing bug than an extension.
func Decode(payload []byte) (Message, error) {
	d := decoder{b: payload}
	t := MsgType(d.uint32("type"))
	if d.err != nil {
		return nil, d.err
	}
	m := newMessage(t)
	if m == nil {
		e := &UnknownTypeError{Type: t}
		if len(d.b) >= 4 {
			e.RequestID, e.HasRequestID = binary.BigEndian.Uint32(d.b), true
		}
		return nil, e
	}
	d.typ = t
	m.decode(&d)
	if d.err == nil && len(d.b) > 0 {
		d.fail("end", ErrTrailingData)
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

// ReadFrame reads one frame from r and returns its payload. It reads
// exactly 4+length bytes with io.ReadFull and nothing beyond, so that the
// byte carrying a passed descriptor stays in the socket for [ReceiveFD].
// A length above max is refused before any payload buffer is allocated.
//
// A clean end of stream before the frame starts returns io.EOF itself, so
// that a peer closing between messages can be told apart from one closing
// inside a frame (an error wrapping io.ErrUnexpectedEOF).
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("mux: read frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return nil, &FrameTooLargeError{Length: uint64(n), Max: max}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("mux: read frame payload: %w", err)
	}
	return payload, nil
}

// WriteFrame writes payload behind its uint32 length in a single Write, so
// that concurrent writers on one socket cannot interleave half frames.
func WriteFrame(w io.Writer, payload []byte) error {
	if len(payload) > MaxFrameSize {
		return &FrameTooLargeError{Length: uint64(len(payload)), Max: MaxFrameSize}
	}
	frame := make([]byte, 4, 4+len(payload))
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	return writeAll(w, append(frame, payload...))
}

// ReadMessage reads one frame of at most [MaxFrameSize] bytes and decodes
// it. Like [ReadFrame] it returns io.EOF itself when the stream ends
// cleanly between frames.
func ReadMessage(r io.Reader) (Message, error) {
	payload, err := ReadFrame(r, MaxFrameSize)
	if err != nil {
		return nil, err
	}
	return Decode(payload)
}

// WriteMessage encodes m and writes it as one frame with a single Write.
func WriteMessage(w io.Writer, m Message) error {
	frame, err := appendPayload(make([]byte, 4, 64), m)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
	return writeAll(w, frame)
}

func writeAll(w io.Writer, frame []byte) error {
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("mux: write frame: %w", err)
	}
	return nil
}

// encoder appends fields in SSH wire format. The first invalid field is
// kept in err and later calls are no-ops, so that a message's encode
// method reads as a plain list of its fields.
type encoder struct {
	typ MsgType
	b   []byte
	err error
}

func (e *encoder) fail(field string, err error) {
	if e.err == nil {
		e.err = &FieldError{Type: e.typ, Field: field, Err: err}
	}
}

func (e *encoder) uint32(v uint32) {
	e.b = binary.BigEndian.AppendUint32(e.b, v)
}

// bool writes a flag as the uint32 0 or 1 that mux.c reads.
func (e *encoder) bool(v bool) {
	if v {
		e.uint32(1)
	} else {
		e.uint32(0)
	}
}

// bytes writes an opaque SSH string. A string too long for its uint32
// prefix cannot escape: appendPayload refuses any payload over
// MaxFrameSize.
func (e *encoder) bytes(s string) {
	e.uint32(uint32(len(s)))
	e.b = append(e.b, s...)
}

// text writes an SSH string that the peer reads as a C string.
func (e *encoder) text(field, s string) {
	if strings.IndexByte(s, 0) >= 0 {
		e.fail(field, ErrNUL)
		return
	}
	e.bytes(s)
}

// port writes a port that must be at most max or PortStreamLocal.
func (e *encoder) port(field string, p, max uint32) {
	if p != PortStreamLocal && p > max {
		e.fail(field, ErrPortRange)
		return
	}
	e.uint32(p)
}

// decoder consumes fields from a payload; like encoder it keeps the first
// error and returns zero values afterwards.
type decoder struct {
	typ MsgType
	b   []byte
	err error
}

func (d *decoder) fail(field string, err error) {
	if d.err == nil {
		d.err = &FieldError{Type: d.typ, Field: field, Err: err}
	}
	d.b = nil
}

func (d *decoder) uint32(field string) uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail(field, ErrTruncated)
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// bool reads a uint32 flag; mux.c treats every non-zero value as true.
func (d *decoder) bool(field string) bool {
	return d.uint32(field) != 0
}

// bytes reads an opaque SSH string. The length is compared with the bytes
// present before anything is copied, so a hostile length costs nothing.
func (d *decoder) bytes(field string) string {
	n := d.uint32(field)
	if d.err != nil {
		return ""
	}
	if uint64(n) > uint64(len(d.b)) {
		d.fail(field, ErrTruncated)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// skip reads and discards an SSH string (the reserved fields).
func (d *decoder) skip(field string) {
	n := d.uint32(field)
	if d.err != nil {
		return
	}
	if uint64(n) > uint64(len(d.b)) {
		d.fail(field, ErrTruncated)
		return
	}
	d.b = d.b[n:]
}

// text reads an SSH string that must not contain NUL, as
// sshbuf_get_cstring requires.
func (d *decoder) text(field string) string {
	s := d.bytes(field)
	if d.err == nil && strings.IndexByte(s, 0) >= 0 {
		d.fail(field, ErrNUL)
		return ""
	}
	return s
}

// port reads a port that must be at most max or PortStreamLocal.
func (d *decoder) port(field string, max uint32) uint32 {
	p := d.uint32(field)
	if d.err == nil && p != PortStreamLocal && p > max {
		d.fail(field, ErrPortRange)
		return 0
	}
	return p
}

// more reports whether optional trailing fields (extensions, environment)
// remain.
func (d *decoder) more() bool {
	return d.err == nil && len(d.b) > 0
}
