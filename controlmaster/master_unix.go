//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
)

// serve is Serve on Unix: connect, listen, report, and serve until -O
// exit, the end of the connection, a signal, or ControlPersist's idle
// timeout.
func serve(ctx context.Context, opts Options) error {
	cfg, log := opts.Config, opts.Log
	dialStart := time.Now()
	conn, err := client.Dial(ctx, cfg, client.DialOptions{Log: log})
	dialTook := time.Since(dialStart)
	if err != nil {
		return err
	}
	defer conn.Close()
	if opts.Connected != nil {
		opts.Connected(conn)
	}
	act := newActivity()
	m, err := listenMaster(cfg, log, act)
	if err != nil {
		return err
	}
	// The command line's -L, -R and -D belong to the master, as in ssh
	// -M -fN -L; the same Forwarding takes -O forward and -O cancel.
	fwd, err := forward.Start(ctx, conn.Client, conn.Config, log, forward.Options{HostKeyUntrusted: conn.HostKeyUntrusted})
	if err != nil {
		m.Close()
		return err
	}
	defer fwd.Close()
	opts.Ready()

	persist := time.Duration(0) // forever: ControlPersist yes/0, or -f -N -M
	if cfg.ControlPersistSet {
		persist = cfg.ControlPersist
	}
	// The login took several round trips: until one is measured, its
	// time stands in for one, which errs on the long side.
	b := newBackend(conn, cfg, log, dialTook)
	b.fwd.Store(fwd)
	// SIGWINCH is relayed before the first client can be served: one
	// that arrived earlier would be ignored, and its pty never resized.
	stopRelay := relayWindowChanges(m)
	defer stopRelay()
	crash.Go(func() { m.Serve(b) })
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigc)

	var idle <-chan time.Time
	var timer *time.Timer
	arm := func() {
		if timer != nil {
			timer.Stop()
			timer, idle = nil, nil
		}
		// The idle timer runs only while no session is open.
		if persist > 0 && act.count() == 0 {
			timer = time.NewTimer(persist)
			idle = timer.C
		}
	}
	arm()
	stop, stopped := m.Stopped(), false
loop:
	for {
		select {
		case <-act.changed:
			arm()
			if stopped && act.count() == 0 {
				break loop
			}
		case <-stop:
			// -O stop: no new clients, and the master exits once the
			// last session has ended, as ssh's client loop does.
			stopped, stop = true, nil
			if act.count() == 0 {
				break loop
			}
		case <-idle:
			log.Logf(config.LogDebug1, "ControlPersist timeout expired")
			break loop
		case <-m.Terminated():
			break loop
		case <-b.dead:
			log.Logf(config.LogQuiet, "Connection to %s closed by remote host.", cfg.HostName)
			break loop
		case <-sigc:
			break loop
		}
	}
	// The connection goes first, so that running sessions end at once
	// and their clients exit 255; then the socket and the connections.
	conn.Close()
	m.Close()
	return nil
}

// start is Start on Unix: its own session runs as usual while clients
// share the connection. Finish, deferred by cmd/gssh's run, stops
// listening and waits for the clients' sessions before the connection
// closes, as ssh does.
func start(opts Options) (*Master, error) {
	conn, cfg, log := opts.Conn, opts.Config, opts.Log
	if !masterRole(cfg) || backgroundMaster(cfg) {
		return nil, nil
	}
	act := newActivity()
	m, err := listenMaster(cfg, log, act)
	if err != nil {
		return nil, err
	}
	b := newBackend(conn, cfg, log, 0)
	stopRelay := relayWindowChanges(m) // before any client, as in serve
	crash.Go(func() { m.Serve(b) })
	ended := make(chan struct{})
	var endOnce sync.Once
	end := func() { endOnce.Do(func() { close(ended) }) }
	crash.Go(func() {
		select {
		case <-m.Terminated():
			// mux_master_process_terminate: quit_pending, so the
			// connection closes under the running sessions.
			end()
			conn.Quit()
		case <-b.dead:
		}
		m.StopListening()
	})
	if cfg.SessionType == "none" {
		crash.Go(func() { endWhenIdle(m, act, b.dead, ended, end) })
	}
	return &Master{
		ended: ended,
		finish: func() {
			m.StopListening()
			for act.count() > 0 {
				select {
				case <-act.changed:
				case <-b.dead:
					m.Close()
				}
			}
			stopRelay()
			m.Close()
		},
		useForwarding: func(fwd *forward.Forwarding) { b.fwd.Store(fwd) },
	}, nil
}

// endWhenIdle calls end once m has stopped listening and no session is
// open, unless dead or ended come first: a -N master after -O stop.
func endWhenIdle(m *mux.Master, act *activity, dead, ended <-chan struct{}, end func()) {
	select {
	case <-m.Stopped():
	case <-dead:
		return
	case <-ended:
		return
	}
	for act.count() > 0 {
		select {
		case <-act.changed:
		case <-dead:
			return
		case <-ended:
			return
		}
	}
	end()
}

// listenMaster creates the control socket with the master's options; a
// failure is a *ListenError.
func listenMaster(cfg *config.Config, log *sshlog.Logger, act *activity) (*mux.Master, error) {
	opts := mux.MasterOptions{
		Log:      func(format string, args ...any) { log.Logf(config.LogError, format, args...) },
		Activity: act.set,
		Host:     cfg.HostName,
		Go:       crash.Go,
	}
	if askMaster(cfg) {
		opts.Ask = askPermission
	}
	m, err := mux.Listen(cfg.ControlPath, opts)
	if err != nil {
		var exists *mux.ExistsError
		return nil, &ListenError{Err: err, Taken: errors.As(err, &exists)}
	}
	return m, nil
}

// relayWindowChanges passes SIGWINCH, which clients send to the master's
// pid, to the master's pty sessions.
func relayWindowChanges(m *mux.Master) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	crash.Go(func() {
		for {
			select {
			case <-winch:
				m.WindowChanged()
			case <-done:
				return
			}
		}
	})
	return func() {
		signal.Stop(winch)
		close(done)
	}
}

// activity holds the master's open-session count and announces changes
// without ever blocking the master.
type activity struct {
	mu      sync.Mutex
	n       int
	changed chan struct{}
}

func newActivity() *activity { return &activity{changed: make(chan struct{}, 1)} }

func (a *activity) set(n int) {
	a.mu.Lock()
	a.n = n
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

func (a *activity) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}
