//go:build unix

package forward_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/internal/sshdtest"
)

// greeter is a loopback server that says hello to every connection.
func greeter(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "hello")
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// greets reports whether addr says hello within limit.
func greets(addr string, limit time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(limit))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line == "hello\n"
}

// TestForwardingOutlivesConnection: a Forwarding made by New keeps its -L
// listener across connections. While detached, a local connection waits
// and is carried by the next connection; without one it is closed after
// OutageWait. Attach asks for every -R again, reports a refused one, and
// Retry gets it once the port is free.
func TestForwardingOutlivesConnection(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	target := greeter(t)
	lport, rport := freePort(t), freePort(t)
	cfg := testConfig()
	cfg.LocalForwards = []config.Forward{parse(t, config.ForwardLocal, fmt.Sprintf("127.0.0.1:%d:127.0.0.1:%d", lport, target))}
	cfg.RemoteForwards = []config.Forward{parse(t, config.ForwardRemote, fmt.Sprintf("%d:127.0.0.1:%d", rport, target))}
	f := forward.New(cfg, nil, forward.Options{OutageWait: 5 * time.Second})
	defer f.Close()
	if err := f.Listen(); err != nil {
		t.Fatal(err)
	}
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(lport))
	remote := net.JoinHostPort("127.0.0.1", strconv.Itoa(rport))
	ctx := context.Background()

	c1 := dialSSH(t, s)
	if refused, err := f.Attach(ctx, c1); err != nil || len(refused) != 0 {
		t.Fatalf("Attach: refused %v, %v", refused, err)
	}
	if !greets(local, 5*time.Second) || !greets(remote, 5*time.Second) {
		t.Fatal("the forwardings do not carry a connection on the first connection")
	}

	// A second connection cannot have the remote port while the first
	// still holds it.
	c2 := dialSSH(t, s)
	f.ConnectionLost()
	waiting, err := net.Dial("tcp", local)
	if err != nil {
		t.Fatalf("the -L port while detached: %v", err)
	}
	defer waiting.Close()
	refused, err := f.Attach(ctx, c2)
	if err != nil || len(refused) != 1 || refused[0] != cfg.RemoteForwards[0] {
		t.Fatalf("Attach while the port is held: refused %v, %v", refused, err)
	}
	waiting.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, _ := bufio.NewReader(waiting).ReadString('\n'); line != "hello\n" {
		t.Fatalf("a local connection made while detached got %q, want it carried by the next connection", line)
	}
	c1.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := f.Retry(ctx, refused[0])
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not free the remote port within 10s of the first connection's end")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !greets(remote, 5*time.Second) {
		t.Fatal("the retried -R does not carry a connection")
	}

	// Without any connection, a local connection is held OutageWait and
	// then closed; the port stays open throughout.
	c2.Close()
	f.ConnectionLost()
	start := time.Now()
	if greets(local, 10*time.Second) {
		t.Fatal("a local connection got through without a connection")
	}
	if took := time.Since(start); took < 4*time.Second || took > 8*time.Second {
		t.Fatalf("the local connection was closed after %v, want OutageWait (5s)", took)
	}
	if _, err := net.Listen("tcp", local); err == nil {
		t.Fatal("the -L port was free while detached")
	}
}

// freePort is a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
