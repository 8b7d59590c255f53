//go:build unix

package client_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestForwardChannelCap: past MaxChannels, a local listener stops
// accepting, and the waiting client is served once a forwarded
// connection ends.
func TestForwardChannelCap(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	src, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	go func() {
		for {
			c, err := src.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "hello")
			go func() { // hold the connection until the client leaves
				defer c.Close()
				c.Read(make([]byte, 1))
			}()
		}
	}()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cfg := dialConfig(t, s)
	cfg.LocalForwards = []string{fmt.Sprintf("%d [127.0.0.1]:%d", port, src.Addr().(*net.TCPAddr).Port)}
	conn, err := dial(t, cfg, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fwd, err := conn.StartForwarding(context.Background(), client.ForwardOptions{MaxChannels: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()

	greet := func(c net.Conn, within time.Duration) error {
		c.SetReadDeadline(time.Now().Add(within))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line != "hello\n" {
			return fmt.Errorf("got %q", line)
		}
		return err
	}
	var conns []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for _, c := range conns[:2] {
		if err := greet(c, 10*time.Second); err != nil {
			t.Fatalf("within the cap: %v", err)
		}
	}
	if err := greet(conns[2], 500*time.Millisecond); err == nil {
		t.Fatal("a third connection was forwarded with MaxChannels 2")
	}
	conns[0].Close()
	if err := greet(conns[2], 10*time.Second); err != nil {
		t.Fatalf("after a slot was freed: %v", err)
	}
}
