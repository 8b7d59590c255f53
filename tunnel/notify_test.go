//go:build unix

package tunnel

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// notifySocket listens as systemd does and returns the datagrams as they
// come.
func notifySocket(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	out := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			out <- string(buf[:n])
		}
	}()
	return out
}

func next(t *testing.T, c <-chan string) string {
	t.Helper()
	select {
	case m := <-c:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no datagram within 5s")
	}
	return ""
}

// TestNotifierMessages: READY=1 once with the status (later calls are
// STATUS= only), status lines made safe, STOPPING=1.
func TestNotifierMessages(t *testing.T) {
	msgs := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "")
	n := NewNotifier(nil)
	if n == nil {
		t.Fatal("NewNotifier returned nil with NOTIFY_SOCKET set")
	}
	n.Ready("Connected to h port 22")
	if m := next(t, msgs); m != "READY=1\nSTATUS=Connected to h port 22" {
		t.Fatalf("first Ready sent %q", m)
	}
	n.Ready("again")
	if m := next(t, msgs); m != "STATUS=again" {
		t.Fatalf("second Ready sent %q", m)
	}
	n.Status("from the server: \x1b[2J\nREADY=1")
	// One line: a server's words cannot add an assignment of their own.
	if m := next(t, msgs); m != `STATUS=from the server: \033[2J READY=1` {
		t.Fatalf("status with control characters sent %q", m)
	}
	n.Stopping()
	if m := next(t, msgs); m != "STOPPING=1" {
		t.Fatalf("Stopping sent %q", m)
	}
}

// TestNotifierOff: without NOTIFY_SOCKET there is no Notifier, and a nil
// one does nothing.
func TestNotifierOff(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n := NewNotifier(nil)
	if n != nil {
		t.Fatal("a Notifier without NOTIFY_SOCKET")
	}
	n.Ready("x")
	n.Status("x")
	n.Stopping()
	n.Watch(context.Background(), func() bool { return true }) // returns at once
}

// TestNotifierWatchdog: WATCHDOG=1 every half WATCHDOG_USEC while
// healthy reports true, none while it reports false; none at all when
// WATCHDOG_PID names another process.
func TestNotifierWatchdog(t *testing.T) {
	msgs := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "")
	n := NewNotifier(nil)
	var healthy atomic.Bool
	healthy.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Watch(ctx, healthy.Load); close(done) }()
	for i := 0; i < 3; i++ {
		if m := next(t, msgs); m != "WATCHDOG=1" {
			t.Fatalf("ping %d: %q", i, m)
		}
	}
	healthy.Store(false)
	// Drain a ping already on its way, then expect silence for 10 periods.
	select {
	case <-msgs:
	case <-time.After(100 * time.Millisecond):
	}
	select {
	case m := <-msgs:
		t.Fatalf("%q while unhealthy", m)
	case <-time.After(500 * time.Millisecond):
	}
	healthy.Store(true)
	if m := next(t, msgs); m != "WATCHDOG=1" {
		t.Fatalf("after recovery: %q", m)
	}
	cancel()
	<-done

	t.Setenv("WATCHDOG_PID", "1")
	if n := NewNotifier(nil); n.watchdog != 0 {
		t.Fatalf("watchdog %v for another process's WATCHDOG_PID", n.watchdog)
	}
	// A malformed WATCHDOG_USEC is logged, and no watchdog runs.
	t.Setenv("WATCHDOG_PID", strconv.Itoa(0))
	t.Setenv("WATCHDOG_USEC", "soon")
	var logged bytes.Buffer
	if n := NewNotifier(sshlog.New(&logged, config.LogInfo)); n == nil || n.watchdog != 0 {
		t.Fatalf("malformed WATCHDOG_USEC: %+v", n)
	}
	if !strings.Contains(logged.String(), "systemd watchdog: ") {
		t.Fatalf("malformed WATCHDOG_USEC logged %q", logged.String())
	}
}

// TestNotifierSendFailureLoggedOnce: a socket that went away is logged
// at ERROR once, then only at DEBUG1.
func TestNotifierSendFailureLoggedOnce(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	t.Setenv("WATCHDOG_USEC", "")
	var logged bytes.Buffer
	n := NewNotifier(sshlog.New(&logged, config.LogInfo))
	n.Status("a")
	n.Status("b")
	if k := strings.Count(logged.String(), "sd_notify: "); k != 1 {
		t.Fatalf("logged %q, want one sd_notify line", logged.String())
	}
}
