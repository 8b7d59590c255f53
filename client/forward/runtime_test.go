//go:build unix

package forward_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestForwardingAddCancel adds -L, -D and -R 0 to a running connection
// that started with none (as ~C and -O forward do), checks that each
// carries a connection, then cancels them: their ports stop accepting,
// and a second cancel is ErrUnknownForward.
func TestForwardingAddCancel(t *testing.T) {
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
			c.Close()
		}
	}()
	srcPort := src.Addr().(*net.TCPAddr).Port
	ctx := context.Background()
	fwd, err := forward.Start(ctx, dialSSH(t, s), testConfig(), nil, forward.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fwd.Close()
	greets := func(addr string) bool {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return line == "hello\n"
	}
	free := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}

	lport := free()
	localSpec := parse(t, config.ForwardLocal, fmt.Sprintf("127.0.0.1:%d:127.0.0.1:%d", lport, srcPort))
	if port, err := fwd.Add(ctx, localSpec); err != nil || port != lport {
		t.Fatalf("Add local: %d, %v", port, err)
	}
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(lport))
	if !greets(local) {
		t.Fatal("added -L does not forward")
	}
	if _, err := fwd.Add(ctx, localSpec); !errors.As(err, new(*forward.Error)) {
		t.Fatalf("Add on a busy port: %v, want a *forward.Error", err)
	}
	rport, err := fwd.Add(ctx, parse(t, config.ForwardRemote, fmt.Sprintf("0:127.0.0.1:%d", srcPort)))
	if err != nil || rport == 0 {
		t.Fatalf("Add remote 0: %d, %v", rport, err)
	}
	remote := net.JoinHostPort("127.0.0.1", strconv.Itoa(rport))
	if !greets(remote) {
		t.Fatal("added -R does not forward")
	}
	dport := free()
	if _, err := fwd.Add(ctx, parse(t, config.ForwardDynamic, strconv.Itoa(dport))); err != nil {
		t.Fatalf("Add dynamic: %v", err)
	}

	// ssh matches the address as the forwarding was given.
	if err := fwd.Cancel(config.ForwardDynamic, config.Endpoint{Host: "127.0.0.1", Port: dport}); !errors.Is(err, forward.ErrUnknownForward) {
		t.Fatalf("Cancel with another address: %v", err)
	}
	for _, c := range []struct {
		kind   config.ForwardKind
		listen config.Endpoint
		addr   string
	}{
		{config.ForwardLocal, config.Endpoint{Host: "127.0.0.1", Port: lport}, local},
		{config.ForwardRemote, config.Endpoint{Port: rport}, remote},
		{config.ForwardDynamic, config.Endpoint{Port: dport}, ""},
	} {
		if err := fwd.Cancel(c.kind, c.listen); err != nil {
			t.Fatalf("Cancel %v %s: %v", c.kind, c.listen, err)
		}
		if err := fwd.Cancel(c.kind, c.listen); !errors.Is(err, forward.ErrUnknownForward) {
			t.Fatalf("second Cancel %v %s: %v", c.kind, c.listen, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, addr := range []string{local, remote, net.JoinHostPort("127.0.0.1", strconv.Itoa(dport))} {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("%s still accepts after Cancel", addr)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
