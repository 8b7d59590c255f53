//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
)

// Self-healing, beyond OpenSSH: a master whose SSH connection died
// without its noticing (a laptop that slept, a NAT entry that expired)
// still answers on its socket, and every session through it hangs. Before
// reusing a gssh master, gssh asks it to prove its connection answers:
// for a session, by the server confirming the session's channel
// (mux.ExtSessionCheck), otherwise with a keepalive
// (mux.ExtUpstreamCheck). The verdict is the master's, which knows how
// slow its server is (budget_unix.go): a master is retired only when
// it found its connection lost or silent for longer than its budget, never
// because a passenger's clock ran out. One that is retired exits or is
// told to, its socket is removed, and gssh connects directly (and, with
// auto, becomes the new master). OpenSSH masters advertise nothing and
// are used as they are.
const (
	// SlowNotice is how long a passenger waits for its master's verdict
	// before saying at -v that it is waiting.
	SlowNotice = 500 * time.Millisecond
	// retireLimit bounds telling a dead master to exit.
	retireLimit = 500 * time.Millisecond
)

// masterDeadline is when a passenger stops waiting for its master's
// verdict: --timeout's end (ctx) or, sooner, ConnectTimeout from now.
// The zero time (neither set) waits as long as the master takes, which
// its budget bounds while its connection is silent.
func masterDeadline(ctx context.Context, cfg *config.Config) time.Time {
	d, _ := ctx.Deadline()
	if cfg.ConnectTimeout > 0 {
		if ct := time.Now().Add(cfg.ConnectTimeout); d.IsZero() || ct.Before(d) {
			d = ct
		}
	}
	return d
}

// checked reports whether c's master gives verdicts on its connection.
func checked(c *mux.Client) bool {
	return c.Has(mux.ExtSessionCheck) || c.Has(mux.ExtUpstreamCheck)
}

// checkUpstream asks c's master whether its connection answers, waiting
// until deadline at most. It returns nil for an OpenSSH master (which
// cannot be asked) and for a gssh master whose connection answered; a
// *mux.ReplyError when the master found its connection dead;
// os.ErrDeadlineExceeded when the passenger stopped waiting; another
// error when the master itself went away.
func checkUpstream(c *mux.Client, deadline time.Time) error {
	if !c.Has(mux.ExtUpstreamCheck) {
		return nil
	}
	c.SetDeadline(deadline)
	defer c.SetDeadline(time.Time{})
	return c.CheckUpstream()
}

// checkUpstreamWithSession is checkUpstream for a session: a master that
// can (mux.ExtSessionCheck) is asked to check its connection while it
// opens the session, which costs no round trip of its own; NewSession
// then fails with mux.ErrUpstreamNotResponding's reason if the check
// does, and the master retires itself. Other gssh masters get
// checkUpstream's keepalive probe.
func checkUpstreamWithSession(c *mux.Client, deadline time.Time) error {
	if !c.Has(mux.ExtSessionCheck) {
		return checkUpstream(c, deadline)
	}
	c.SetDeadline(deadline)
	defer c.SetDeadline(time.Time{})
	return c.ArmSessionCheck()
}

// noticeSlowMaster says at -v, once the master has taken SlowNotice to
// answer, that the passenger is waiting for it and until when; stop
// cancels the notice.
func noticeSlowMaster(host string, deadline time.Time, log *sshlog.Logger) (stop func()) {
	t := time.AfterFunc(SlowNotice, func() {
		defer crash.Recover()
		until := "as long as its budget allows"
		if !deadline.IsZero() {
			until = fmt.Sprintf("at most %v more, --timeout/ConnectTimeout", time.Until(deadline).Round(100*time.Millisecond))
		}
		log.Logf(config.LogVerbose, "Control master's connection to %s is slow to answer; waiting for it (%s)", host, until)
	})
	return func() { t.Stop() }
}

// gaveUpOnMaster ends a passenger whose wait for its master's verdict
// hit masterDeadline (os.ErrDeadlineExceeded): a *TimeoutError when
// --timeout was the bound, else a *PassengerError, as for ConnectTimeout
// (255). The master is not retired, since nothing shows its connection
// dead, and gssh does not connect directly, since the master may yet run
// the command.
func gaveUpOnMaster(ctx context.Context, cfg *config.Config) error {
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		<-ctx.Done() // its timer may lag the socket's deadline a little
		return &TimeoutError{What: "session not started"}
	}
	return &PassengerError{Err: fmt.Errorf("Control master's connection to %s did not answer within ConnectTimeout (%v)", cfg.HostName, cfg.ConnectTimeout)}
}

// retireMaster deals with a master whose connection is dead (err from
// checkUpstream): one that answered is told to exit on c, taking its
// socket with it; the socket at path is removed at once either way, while
// it is still the one that was checked (ident), so that the next client
// never finds the dead master and a replacement's socket is never
// removed. A master that no longer answers is left to itself, socketless.
func retireMaster(c *mux.Client, err error, path string, ident os.FileInfo, host string, log *sshlog.Logger) {
	log.Logf(config.LogVerbose, "Control master's connection to %s is not responding (%v); retiring it and connecting directly", host, err)
	var answered *mux.ReplyError
	if errors.As(err, &answered) {
		c.SetDeadline(time.Now().Add(retireLimit))
		if err := c.Terminate(); err != nil {
			log.Logf(config.LogDebug1, "control master did not take the exit request: %v", err)
		}
	}
	if fi, err := os.Lstat(path); err == nil && ident != nil && os.SameFile(fi, ident) {
		os.Remove(path)
	}
}
