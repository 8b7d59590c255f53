package keepalive_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gssh/gssh/keepalive"
)

// The wiring cmd/gssh uses, against a server that accepts the connection
// and then never sends a byte. With golang.org/x/crypto/ssh the Prober
// would call client.SendRequest("keepalive@openssh.com", true, nil) and
// the wrapped conn would be handed to ssh.NewClientConn.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			c.Read(make([]byte, 1)) // swallow the probe, answer nothing
		}
	}()

	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	var conn net.Conn
	probe := keepalive.ProbeFunc(func(ctx context.Context) error {
		if _, err := conn.Write([]byte("keepalive@openssh.com")); err != nil {
			return err
		}
		<-ctx.Done() // a real prober waits for the reply here
		return ctx.Err()
	})
	w, err := keepalive.New(keepalive.Config{Interval: 50 * time.Millisecond, CountMax: 1}, probe)
	if err != nil {
		panic(err)
	}
	conn = keepalive.WrapConn(raw, w)
	defer conn.Close() // on death this also unblocks a prober stuck in x/crypto

	var dead *keepalive.DeadError
	if err := w.Run(context.Background()); errors.As(err, &dead) {
		fmt.Printf("Timeout, server %s not responding.\n", "127.0.0.1")
	}
	// Output: Timeout, server 127.0.0.1 not responding.
}

func ExampleHandshakeBound() {
	// ssh -o ServerAliveInterval=15 -o ServerAliveCountMax=3: every wait
	// for a packet during key exchange and authentication is bounded.
	fmt.Println(keepalive.HandshakeBound(15*time.Second, 3))
	// Output: 45s
}
