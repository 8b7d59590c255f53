package proxy

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode: no input makes decode panic, and whatever decodes encodes
// back to a payload that decodes to the same message.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages {
		t, p := encode(m)
		f.Add(t, p)
	}
	f.Add(byte(msgChannelEOF), encodeOnly(7))
	f.Add(byte(msgRequestFailure), []byte{})
	f.Add(byte(msgChannelOpenFailure), []byte{0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, typ byte, payload []byte) {
		msg, err := decode(typ, payload)
		if err != nil || msg == nil {
			return
		}
		var again []byte
		if only, ok := msg.(*channelOnly); ok {
			again = encodeOnly(only.Recipient)
		} else {
			var t2 byte
			t2, again = encode(msg)
			if t2 != typ {
				t.Fatalf("type %d re-encoded as %d", typ, t2)
			}
		}
		back, err := decode(typ, again)
		if err != nil || !reflect.DeepEqual(normal(back), normal(msg)) {
			t.Fatalf("%#v re-encoded to %x, decoded as %#v, %v", msg, again, back, err)
		}
	})
}

// FuzzReadPacket: framing never panics, and a frame read back from
// AppendPacket is what was written.
func FuzzReadPacket(f *testing.F) {
	f.Add([]byte{0, 0, 0, 6, 0, 96, 0, 0, 0, 1})
	f.Add([]byte{0, 0, 0, 1, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, p, err := ReadPacket(bytes.NewReader(b))
		if err != nil {
			return
		}
		again := AppendPacket(nil, typ, p)
		typ2, p2, err := ReadPacket(bytes.NewReader(again))
		if len(p) < minPayload {
			p = append(p, make([]byte, minPayload-len(p))...) // padded
		}
		if err != nil || typ2 != typ || !bytes.Equal(p, p2) {
			t.Fatalf("frame %x read as %d %x, re-read as %d %x, %v", b, typ, p, typ2, p2, err)
		}
	})
}

// normal makes empty and nil byte slices compare equal.
func normal(m any) any {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer {
		return m
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	e := c.Elem()
	for i := 0; i < e.NumField(); i++ {
		if f := e.Field(i); f.Kind() == reflect.Slice && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return c.Interface()
}
