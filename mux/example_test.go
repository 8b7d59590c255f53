package mux_test

import (
	"bytes"
	"fmt"

	"github.com/gssh/gssh/mux"
)

// A client's side of `ssh -O check`: HELLO, then ALIVE_CHECK, framed for
// the control socket, and the master's reply decoded.
func Example() {
	var toMaster bytes.Buffer
	mux.WriteMessage(&toMaster, &mux.Hello{Version: mux.Version})
	mux.WriteMessage(&toMaster, &mux.AliveCheck{RequestID: 0})
	fmt.Printf("% x\n", toMaster.Bytes())

	fromMaster := bytes.NewReader([]byte{
		0, 0, 0, 12, 0x80, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0x30, 0x39,
	})
	m, err := mux.ReadMessage(fromMaster)
	if err != nil {
		fmt.Println(err)
		return
	}
	switch m := m.(type) {
	case *mux.Alive:
		fmt.Printf("Master running (pid=%d)\n", m.PID)
	case *mux.Failure:
		fmt.Println("master returned error:", m.Reason)
	}
	// Output:
	// 00 00 00 08 00 00 00 01 00 00 00 04 00 00 00 08 10 00 00 04 00 00 00 00
	// Master running (pid=12345)
}

// Decode reports malformed input with typed errors rather than panicking.
func ExampleDecode() {
	_, err := mux.Decode([]byte{0x80, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	fmt.Println(err)
	_, err = mux.Decode([]byte{0x10, 0, 0, 3, 0, 0, 0, 9})
	fmt.Println(err)
	// Output:
	// mux: truncated message (MUX_S_FAILURE, reason)
	// mux: unknown message type 0x10000003
}
