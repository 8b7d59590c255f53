package proxy

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var sampleMessages = []any{
	&globalRequest{Name: "tcpip-forward", WantReply: true, Data: []byte{0, 0, 0, 0, 0, 0, 0, 0}},
	&requestSuccess{Data: []byte{0, 0, 0x1f, 0x90}},
	&channelOpen{Type: "session", Sender: 3, Window: 2 << 20, MaxSize: 32 << 10},
	&openConfirm{Recipient: 3, Sender: 9, Window: 1 << 20, MaxSize: 16 << 10, Extra: []byte("x")},
	&openFailure{Recipient: 3, Reason: 2, Message: "refused", Lang: ""},
	&windowAdjust{Recipient: 9, Add: 4096},
	&channelData{Recipient: 9, Data: []byte("hello")},
	&extendedData{Recipient: 9, Code: 1, Data: []byte("err")},
	&channelRequest{Recipient: 9, Name: "exec", WantReply: true, Data: []byte{0, 0, 0, 4, 't', 'r', 'u', 'e'}},
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages {
		typ, p := encode(m)
		back, err := decode(typ, p)
		if err != nil || !reflect.DeepEqual(normal(back), normal(m)) {
			t.Errorf("%#v: decoded %#v, %v", m, back, err)
		}
	}
}

// TestPacketFraming pins packet.c's mux framing: length, padding length
// 0, type, payload; the padding byte is ignored on input.
func TestPacketFraming(t *testing.T) {
	got := AppendPacket(nil, msgChannelEOF, encodeOnly(7))
	want := []byte{0, 0, 0, 6, 0, 96, 0, 0, 0, 7}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame %x, want %x", got, want)
	}
	// packet.c refuses a packet length below 5: REQUEST_FAILURE is padded.
	if got, want := AppendPacket(nil, msgRequestFailure, nil), []byte{0, 0, 0, 5, 0, 82, 0, 0, 0}; !bytes.Equal(got, want) {
		t.Fatalf("REQUEST_FAILURE frame %x, want %x", got, want)
	}
	typ, p, err := ReadPacket(bytes.NewReader([]byte{0, 0, 0, 6, 9, 96, 0, 0, 0, 7}))
	if err != nil || typ != msgChannelEOF || !bytes.Equal(p, []byte{0, 0, 0, 7}) {
		t.Fatalf("read %d %x %v", typ, p, err)
	}
	for _, bad := range [][]byte{{0, 0, 0, 1, 0}, {0, 4, 0, 1}} {
		if _, _, err := ReadPacket(bytes.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("frame %x: %v, want ErrMalformed", bad, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, c := range []struct {
		typ byte
		p   []byte
	}{
		{msgChannelEOF, []byte{0, 0, 0}},
		{msgChannelEOF, []byte{0, 0, 0, 1, 2}},
		{msgChannelData, []byte{0, 0, 0, 1, 0, 0, 0, 9, 'x'}},
		{20, nil}, // KEXINIT: not the connection protocol
	} {
		if _, err := decode(c.typ, c.p); !errors.Is(err, ErrMalformed) {
			t.Errorf("type %d %x: %v, want ErrMalformed", c.typ, c.p, err)
		}
	}
}
