package tunnel

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
)

// Notifier speaks systemd's notification protocol (sd_notify(3)) for a
// gssh running as a Type=notify service: READY=1, STATUS=…, STOPPING=1
// and WATCHDOG=1 datagrams to $NOTIFY_SOCKET. A nil *Notifier, which
// NewNotifier returns when NOTIFY_SOCKET is not set, does nothing.
type Notifier struct {
	log      *sshlog.Logger
	watchdog time.Duration // WATCHDOG_USEC; 0 when systemd watches nothing

	mu     sync.Mutex
	ready  bool // READY=1 was sent
	failed bool // a send failed and was logged
}

// NewNotifier returns the Notifier of this process, or nil when
// NOTIFY_SOCKET is not set. The watchdog period is WATCHDOG_USEC when
// WATCHDOG_PID is unset or names this process, as sd_watchdog_enabled(3)
// decides; a malformed value is logged and ignored.
func NewNotifier(log *sshlog.Logger) *Notifier {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return nil
	}
	n := &Notifier{log: log}
	period, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Logf(config.LogError, "systemd watchdog: %v", err)
	}
	n.watchdog = period
	return n
}

// send sends one notification; the first failure is logged (at ERROR),
// the rest only at DEBUG1, since systemd going away must not flood the
// log.
func (n *Notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		n.mu.Lock()
		first := !n.failed
		n.failed = true
		n.mu.Unlock()
		level := config.LogDebug1
		if first {
			level = config.LogError
		}
		n.log.Logf(level, "sd_notify: %v", err)
	}
}

// status renders a status line for systemd. It quotes the server's words
// (a disconnect message), so it is rendered as a log line is, and kept to
// one line: sd_notify's assignments are separated by newlines, and a
// server must not be able to add READY=1, MAINPID= or WATCHDOG=trigger
// to gssh's message.
func status(s string) string {
	return "STATUS=" + strings.NewReplacer("\n", " ", "\r", " ").Replace(termsafe.LogLine(s))
}

// Ready tells systemd that the service is up, once, with its status.
func (n *Notifier) Ready(s string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	again := n.ready
	n.ready = true
	n.mu.Unlock()
	if again {
		n.Status(s)
		return
	}
	n.send(daemon.SdNotifyReady + "\n" + status(s))
}

// Status sets the status line systemctl status shows.
func (n *Notifier) Status(s string) {
	if n == nil {
		return
	}
	n.send(status(s))
}

// Stopping tells systemd that the service is ending on purpose.
func (n *Notifier) Stopping() {
	if n == nil {
		return
	}
	n.send(daemon.SdNotifyStopping)
}

// Watch sends WATCHDOG=1 every half watchdog period while healthy
// reports true, until ctx ends; it returns at once when systemd set no
// watchdog. Run it in its own goroutine for each connection.
func (n *Notifier) Watch(ctx context.Context, healthy func() bool) {
	if n == nil || n.watchdog <= 0 {
		return
	}
	tick := time.NewTicker(n.watchdog / 2)
	defer tick.Stop()
	for {
		if healthy() {
			n.send(daemon.SdNotifyWatchdog)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Healthy reports whether c's keepalive watchdog vouches for the server:
// not declared dead, and at most the probe in flight unanswered (not
// yet two probes in a row). Without a
// watchdog (ServerAliveInterval 0) nothing is known beyond the
// connection being open, and Healthy reports true until it is closed.
func Healthy(c *client.Conn) func() bool {
	return func() bool {
		st, ok := c.KeepaliveState()
		if !ok {
			return true
		}
		return !st.Dead && st.Missed <= 1
	}
}
