package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxPacket is the largest frame packet.c accepts in mux mode
// (PACKET_MAX_SIZE, 256 KiB), counted without the length field.
const MaxPacket = 256 * 1024

// Message numbers of the connection protocol (RFC 4254 §9), the only
// ones that travel on a control socket in proxy mode: ssh_packet_send_mux
// drops everything outside 80–127.
const (
	msgGlobalRequest                   = 80
	msgRequestSuccess                  = 81
	msgRequestFailure                  = 82
	msgChannelOpen                     = 90
	msgChannelOpenConfirm              = 91
	msgChannelOpenFailure              = 92
	msgChannelWindowAdjust             = 93
	msgChannelData                     = 94
	msgChannelExtendedData             = 95
	msgChannelEOF                      = 96
	msgChannelClose                    = 97
	msgChannelRequest                  = 98
	msgChannelSuccess                  = 99
	msgChannelFailure                  = 100
	msgConnectionMin, msgConnectionMax = 80, 127
)

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("proxy: malformed message")

// ReadPacket reads one frame as packet.c's mux mode writes it: uint32
// length, a padding-length byte (always 0, and ignored), the message
// type, the payload. It returns the type and the payload.
func ReadPacket(r io.Reader) (byte, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n < 2 || n > MaxPacket {
		return 0, nil, fmt.Errorf("%w: packet length %d", ErrMalformed, n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return buf[1], buf[2:], nil
}

// minPayload is the shortest payload ssh's packet.c accepts in mux mode:
// it refuses a packet length below 5 (ssh_packet_read_poll2_mux), that
// is a payload of fewer than 3 bytes after the padding length and type.
const minPayload = 3

// AppendPacket appends the frame of a message of type t with payload p.
// A payload shorter than packet.c accepts (REQUEST_FAILURE, a
// REQUEST_SUCCESS without data) is padded with zero bytes, which ssh's
// handlers of those messages do not read.
func AppendPacket(b []byte, t byte, p []byte) []byte {
	pad := max(minPayload-len(p), 0)
	b = binary.BigEndian.AppendUint32(b, uint32(2+len(p)+pad))
	b = append(b, 0, t)
	b = append(b, p...)
	return append(b, make([]byte, pad)...)
}

// encoder builds a payload with SSH's wire types.
type encoder []byte

func (e *encoder) u32(v uint32) { *e = binary.BigEndian.AppendUint32(*e, v) }
func (e *encoder) bool(v bool) {
	if v {
		*e = append(*e, 1)
	} else {
		*e = append(*e, 0)
	}
}
func (e *encoder) str(s []byte) { e.u32(uint32(len(s))); *e = append(*e, s...) }
func (e *encoder) raw(s []byte) { *e = append(*e, s...) }

// decoder reads a payload; the first failure sticks.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) u32() uint32 {
	if len(d.b) < 4 {
		d.bad = true
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) bool() bool {
	if len(d.b) < 1 {
		d.bad = true
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *decoder) str() []byte {
	n := d.u32()
	if d.bad || uint64(n) > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// rest takes what is left: the type-specific data at the end of
// CHANNEL_OPEN, OPEN_CONFIRMATION and requests.
func (d *decoder) rest() []byte {
	v := d.b
	d.b = nil
	return v
}

func (d *decoder) done(what string) error {
	if d.bad || len(d.b) != 0 {
		return fmt.Errorf("%w: %s", ErrMalformed, what)
	}
	return nil
}

// The messages, one struct each. Recipient is the receiver's channel
// number, Sender the sender's.
type (
	globalRequest struct {
		Name      string
		WantReply bool
		Data      []byte
	}
	requestSuccess struct{ Data []byte }
	channelOpen    struct {
		Type                    string
		Sender, Window, MaxSize uint32
		Extra                   []byte
	}
	openConfirm struct {
		Recipient, Sender, Window, MaxSize uint32
		Extra                              []byte
	}
	openFailure struct {
		Recipient, Reason uint32
		Message, Lang     string
	}
	windowAdjust struct{ Recipient, Add uint32 }
	channelData  struct {
		Recipient uint32
		Data      []byte
	}
	extendedData struct {
		Recipient, Code uint32
		Data            []byte
	}
	channelRequest struct {
		Recipient uint32
		Name      string
		WantReply bool
		Data      []byte
	}
	// channelOnly is EOF, CLOSE, SUCCESS and FAILURE: a channel number.
	channelOnly struct{ Recipient uint32 }
)

// encode returns the type and payload of msg.
func encode(msg any) (byte, []byte) {
	var e encoder
	switch m := msg.(type) {
	case *globalRequest:
		e.str([]byte(m.Name))
		e.bool(m.WantReply)
		e.raw(m.Data)
		return msgGlobalRequest, e
	case *requestSuccess:
		e.raw(m.Data)
		return msgRequestSuccess, e
	case *channelOpen:
		e.str([]byte(m.Type))
		e.u32(m.Sender)
		e.u32(m.Window)
		e.u32(m.MaxSize)
		e.raw(m.Extra)
		return msgChannelOpen, e
	case *openConfirm:
		e.u32(m.Recipient)
		e.u32(m.Sender)
		e.u32(m.Window)
		e.u32(m.MaxSize)
		e.raw(m.Extra)
		return msgChannelOpenConfirm, e
	case *openFailure:
		e.u32(m.Recipient)
		e.u32(m.Reason)
		e.str([]byte(m.Message))
		e.str([]byte(m.Lang))
		return msgChannelOpenFailure, e
	case *windowAdjust:
		e.u32(m.Recipient)
		e.u32(m.Add)
		return msgChannelWindowAdjust, e
	case *channelData:
		e.u32(m.Recipient)
		e.str(m.Data)
		return msgChannelData, e
	case *extendedData:
		e.u32(m.Recipient)
		e.u32(m.Code)
		e.str(m.Data)
		return msgChannelExtendedData, e
	case *channelRequest:
		e.u32(m.Recipient)
		e.str([]byte(m.Name))
		e.bool(m.WantReply)
		e.raw(m.Data)
		return msgChannelRequest, e
	}
	panic(fmt.Sprintf("proxy: encode %T", msg))
}

// encodeOnly is the payload of EOF, CLOSE, SUCCESS or FAILURE.
func encodeOnly(recipient uint32) []byte {
	var e encoder
	e.u32(recipient)
	return e
}

// decode parses a payload of type t. REQUEST_FAILURE has no fields and
// decodes as nil; types outside the connection protocol are errors.
func decode(t byte, p []byte) (any, error) {
	d := &decoder{b: p}
	var msg any
	switch t {
	case msgGlobalRequest:
		msg = &globalRequest{Name: string(d.str()), WantReply: d.bool(), Data: d.rest()}
	case msgRequestSuccess:
		msg = &requestSuccess{Data: d.rest()}
	case msgRequestFailure:
		return nil, nil // no fields; padding (AppendPacket) is ignored
	case msgChannelOpen:
		msg = &channelOpen{Type: string(d.str()), Sender: d.u32(), Window: d.u32(), MaxSize: d.u32(), Extra: d.rest()}
	case msgChannelOpenConfirm:
		msg = &openConfirm{Recipient: d.u32(), Sender: d.u32(), Window: d.u32(), MaxSize: d.u32(), Extra: d.rest()}
	case msgChannelOpenFailure:
		m := &openFailure{Recipient: d.u32(), Reason: d.u32(), Message: string(d.str())}
		// RFC 4254 makes the language tag mandatory; some peers omit it.
		if len(d.b) > 0 {
			m.Lang = string(d.str())
		}
		msg = m
	case msgChannelWindowAdjust:
		msg = &windowAdjust{Recipient: d.u32(), Add: d.u32()}
	case msgChannelData:
		msg = &channelData{Recipient: d.u32(), Data: d.str()}
	case msgChannelExtendedData:
		msg = &extendedData{Recipient: d.u32(), Code: d.u32(), Data: d.str()}
	case msgChannelRequest:
		msg = &channelRequest{Recipient: d.u32(), Name: string(d.str()), WantReply: d.bool(), Data: d.rest()}
	case msgChannelEOF, msgChannelClose, msgChannelSuccess, msgChannelFailure:
		msg = &channelOnly{Recipient: d.u32()}
	default:
		return nil, fmt.Errorf("%w: type %d outside the connection protocol", ErrMalformed, t)
	}
	if err := d.done(fmt.Sprintf("type %d", t)); err != nil {
		return nil, err
	}
	return msg, nil
}
