//go:build unix

package controlmaster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/internal/reexec"
	"github.com/gssh/gssh/mux"
)

// run is Run on Unix: an existing master for this session, or a new
// background master whose passenger this process becomes.
func run(ctx context.Context, opts Options) (int, error) {
	cfg, log := opts.Config, opts.Log
	path := cfg.ControlPath
	if path == "" {
		return 0, ErrConnectDirectly
	}
	if tryExisting(cfg) {
		if status, err := passenger(ctx, opts, false, configForwards(cfg)); !errors.Is(err, ErrConnectDirectly) {
			return status, err
		}
	}
	if !masterRole(cfg) {
		return 0, ErrConnectDirectly
	}
	if n := len(path) + len(".0123456789abcdef"); n > mux.MaxPathLen {
		// The master binds PATH.<16 random characters>; OpenSSH fails
		// there, after authenticating, with unix_listener's message.
		return 0, &mux.ListenPathError{Path: path + ".XXXXXXXXXXXXXXXX"}
	}
	if !backgroundMaster(cfg) {
		return 0, ErrConnectDirectly // a foreground master: see Start
	}
	fwds := configForwards(cfg)
	// The background master is gssh itself, re-executed with the same
	// arguments in a new session, stdio on /dev/null (it must not hold
	// the caller's pipes). Go cannot fork, so the master authenticates
	// afresh in the background, without a terminal to prompt on.
	child, err := reexec.Start(reexec.Options{Argv: opts.Argv, Role: reexec.Master})
	if err != nil {
		return 0, &SpawnError{Err: err}
	}
	// Reaped if it exits while we still run; otherwise init adopts it.
	crash.Go(func() { child.Cmd.Wait() })
	switch child.State {
	case reexec.Ready:
		// Our master runs with our arguments and has set up our -L, -R
		// and -D itself (Serve), as ssh's master has before
		// control_persist_detach's other half becomes its client. Asking
		// again would only be answered "already there", except for a -R
		// 0, whose allocated port the master does not know to be ours.
		fwds = nil
	case reexec.Exists:
		if !tryExisting(cfg) {
			// yes and ask never share another master's connection.
			connectDirectly(cfg, log)
			return 0, ErrConnectDirectly
		}
		// auto lost the race to another gssh: use the winner's master.
	default:
		return 0, &MasterFailedError{Messages: child.Messages}
	}
	if cfg.ForkAfterAuthentication && cfg.SessionType == "none" {
		return 0, nil // -f -N -M: the master is all that was asked for
	}
	return passenger(ctx, opts, true, fwds)
}

// tryExisting: ControlMaster no, auto and autoask look for a master
// first; yes and ask never do.
func tryExisting(cfg *config.Config) bool {
	switch cfg.ControlMaster {
	case config.ControlMasterNo, config.ControlMasterAuto, config.ControlMasterAutoAsk:
		return true
	}
	return false
}

// masterRole: every setting but no makes this gssh a master when it ends
// up connecting itself.
func masterRole(cfg *config.Config) bool {
	return cfg.ControlPath != "" && cfg.ControlMaster != config.ControlMasterNo
}

// backgroundMaster: ControlPersist, or -f, sends the master to the
// background, where it outlives this process.
func backgroundMaster(cfg *config.Config) bool {
	return masterRole(cfg) && (cfg.ControlPersistSet || cfg.ForkAfterAuthentication)
}

// dialMaster connects to the control socket for a session, with ssh's
// handling of the failures: a missing socket silently means "no master",
// a stale one is unlinked (not with ControlMaster no, which says so), and
// a path that cannot be a socket address is fatal (err).
func dialMaster(cfg *config.Config, log *sshlog.Logger) (*mux.Client, error) {
	path := cfg.ControlPath
	if cfg.ControlMaster == config.ControlMasterAuto || cfg.ControlMaster == config.ControlMasterAutoAsk {
		log.Logf(config.LogDebug1, "auto-mux: Trying existing master")
	}
	c, err := mux.Dial(path)
	var long *mux.PathTooLongError
	var dialErr *mux.DialError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &long):
		return nil, long
	case errors.As(err, &dialErr) && errors.Is(err, syscall.ENOENT):
		log.Logf(config.LogDebug1, "Control socket \"%.100s\" does not exist", path)
	case errors.As(err, &dialErr) && errors.Is(err, syscall.ECONNREFUSED) && cfg.ControlMaster != config.ControlMasterNo:
		log.Logf(config.LogDebug1, "Stale control socket %.100s, unlinking", path)
		os.Remove(path)
	case errors.As(err, &dialErr):
		log.Logf(config.LogError, "Control socket connect(%.100s): %s", path, config.Strerror(dialErr.Err))
	default:
		log.Logf(config.LogError, "muxclient: master hello exchange failed")
	}
	return nil, nil
}

// passenger runs this invocation's session through the master, as
// mux_client_request_session does. ErrConnectDirectly means the master
// could not be used and gssh connects directly, which is also what ssh
// does when the master refuses the session, and what gssh does when a
// gssh master's own connection no longer answers (self-healing,
// heal_unix.go).
// mustExist says the master was just started for us, so a missing socket
// is an error. fwds, the passenger's own -L, -D and -R, are asked of the
// master before the session (passengerForwards). ctx's deadline
// (--timeout) and HUP, INT and TERM end the session early
// (passengerStop).
func passenger(ctx context.Context, opts Options, mustExist bool, fwds []mux.Forward) (int, error) {
	cfg, log, st := opts.Config, opts.Log, opts.Streams
	ident, _ := os.Lstat(cfg.ControlPath) // the socket we reuse, should we retire it
	c, err := dialMaster(cfg, log)
	if err != nil {
		return 0, err
	}
	if c == nil {
		if mustExist {
			// ssh.c's control_persist_detach says this and exits 255.
			return 0, &PassengerError{Err: errors.New("Failed to connect to new control master")}
		}
		return 0, ErrConnectDirectly
	}
	defer c.Close()
	// Until the master has shown its connection answers, the wait is
	// bounded by --timeout and ConnectTimeout only (heal_unix.go).
	deadline := masterDeadline(ctx, cfg)
	stopNotice := func() {}
	if checked(c) {
		stopNotice = noticeSlowMaster(cfg.HostName, deadline, log)
	}
	defer stopNotice()
	if opts.StdioForward != "" {
		err := checkUpstream(c, deadline)
		stopNotice()
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return 0, gaveUpOnMaster(ctx, cfg)
		case err != nil:
			retireMaster(c, err, cfg.ControlPath, ident, cfg.HostName, log)
			return 0, ErrConnectDirectly
		}
		// mux.c sends no forwardings with a stdio forward.
		return stdioPassenger(c, opts)
	}
	// A -R waits for the master's server to answer: with forwardings to
	// send, a gssh master proves first that its server still does, or a
	// dead one would hold us forever; that proof also covers the session.
	check := checkUpstreamWithSession
	if len(fwds) > 0 {
		check = checkUpstream
	}
	if err := check(c, deadline); errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, gaveUpOnMaster(ctx, cfg)
	} else if err != nil {
		retireMaster(c, err, cfg.ControlPath, ident, cfg.HostName, log)
		return 0, ErrConnectDirectly
	}
	if len(fwds) > 0 {
		stopNotice() // the keepalive was the proof
		if !passengerForwards(c, fwds, cfg, log) {
			return 0, ErrConnectDirectly
		}
	}

	pid, err := c.AliveCheck()
	if err != nil {
		log.Logf(config.LogError, "mux_client_request_session: master alive request failed")
		return 0, ErrConnectDirectly
	}
	command := opts.Command
	if command == "" {
		command = cfg.RemoteCommand
	}
	pty := client.WantPTY(cfg, command, st.Terminal != nil, log)
	environ := os.Environ()
	term := client.EnvValue(cfg.SetEnv, "TERM")
	if term == "" {
		term = os.Getenv("TERM")
	}
	escape := mux.NoEscapeChar
	if cfg.EscapeChar >= 0 {
		escape = uint32(cfg.EscapeChar)
	}
	req := &mux.NewSession{
		WantTTY:    pty,
		WantX11:    cfg.ForwardX11, // the master decides, with its own DISPLAY
		Subsystem:  cfg.SessionType == "subsystem",
		EscapeChar: escape,
		Term:       term,
		Command:    command,
		Env:        client.SharedEnv(environ, cfg),
	}
	fds, closeFDs, err := stdioFDs(st, cfg.StdinNull, 3)
	if err != nil {
		return 0, &PassengerError{Err: err}
	}
	// SIGWINCH goes to the master, which reads the new size from our
	// terminal, from before the session is asked for: the master reads
	// the pty's first size while it opens the session, and a resize
	// between that and SESSION_OPENED reaching us would otherwise be
	// lost for good (Go ignores SIGWINCH until it is relayed). The
	// session's output goes straight from the master to our terminal, so
	// it can be on screen long before this process runs again.
	stopWinch := relayWinch(pid)
	defer stopWinch()
	// HUP, INT and TERM are caught from here on for the same reason: one
	// sent once the session's output is visible must reach the remote
	// command (passengerStop), not kill this process. Before the session
	// opens, one abandons the request (requestSession).
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	if checked(c) {
		// The session's opening is a checked master's verdict.
		c.SetDeadline(deadline)
	}
	sess, caught, err := requestSession(c, req, fds, sigc)
	c.SetDeadline(time.Time{})
	stopNotice()
	closeFDs()
	if caught != nil {
		log.Logf(config.LogDebug1, "mux_client_request_session: %v before the session opened", caught)
		return 0, &EndedError{Err: fmt.Errorf("%v before the session opened", caught)}
	}
	var refused *mux.ReplyError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, gaveUpOnMaster(ctx, cfg)
	case errors.As(err, &refused) && refused.Reason == mux.ErrUpstreamNotResponding.Error():
		// The master has retired itself (SessionCheck).
		log.Logf(config.LogVerbose, "Control master's connection to %s is not responding (%v); it exits, connecting directly", cfg.HostName, err)
		return 0, ErrConnectDirectly
	case errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied:
		log.Logf(config.LogError, "Master refused session request: %s", refused.Reason)
		return 0, ErrConnectDirectly
	case errors.As(err, &refused):
		log.Logf(config.LogError, "mux_client_request_session: session request failed: %s", refused.Reason)
		return 0, ErrConnectDirectly
	case err != nil:
		log.Logf(config.LogError, "mux_client_request_session: %v", err)
		return 0, ErrConnectDirectly
	}

	log.Logf(config.LogDebug1, "mux_client_request_session: master session id: %d", sess.ID)

	// From here on this process only relays: SIGWINCH (relayWinch,
	// above), and HUP, INT or TERM, or the end of --timeout, end the
	// session (passengerStop).

	raw := pty && st.Terminal != nil
	if raw {
		defer st.Terminal.RestoreOnPanic()
		if err := st.Terminal.MakeRaw(); err != nil {
			log.Logf(config.LogError, "%v", err)
		}
	}
	ended := make(chan struct{})
	var status int
	crash.Go(func() {
		defer close(ended)
		status, err = sess.Wait(func() { st.Terminal.Restore() })
	})
	stop := &passengerStop{path: cfg.ControlPath, c: c, sid: sess.ID, ended: ended}
	var outcome client.StopOutcome
	var signalled os.Signal
	timedOut, endRequested := false, false
	select {
	case <-ended:
	case <-opts.End:
		// As ~. in a passenger: only this session's channel is closed,
		// which the master does when the control connection closes.
		endRequested = true
	case signalled = <-sigc:
		stop.interrupt(signalled)
	case <-ctx.Done():
		timedOut = true
		if stop.canSignal() {
			outcome = stop.deadline(opts.KillAfter)
		}
		if opts.RemoteDeadline && (outcome == 0 || outcome == client.StopRefused) {
			outcome = awaitRemoteDeadline(ended, &status, opts.KillAfter, outcome)
		}
	}
	// Closing the control connection makes the master close the channel,
	// if the session is still open, and ends Wait.
	c.Close()
	<-ended
	st.Terminal.Restore()
	var end error
	switch {
	case endRequested:
		end = &EndedError{Err: errors.New("ended on request")}
	case signalled != nil:
		end = &EndedError{Err: fmt.Errorf("%v", signalled)}
	case timedOut:
		what := "control master cannot signal the remote command; it may still be running"
		if outcome != 0 {
			what = outcome.Describe()
		}
		end = &TimeoutError{What: what}
	case errors.Is(err, mux.ErrNoExitMessage):
		log.Logf(config.LogDebug2, "Control master terminated unexpectedly")
		end = &EndedError{Err: err}
	case err != nil:
		log.Logf(config.LogError, "mux_client_request_session: %v", err)
		end = &EndedError{Err: err}
	}
	if end == nil {
		log.Logf(config.LogDebug2, "Received exit status from master %d", status)
	}
	if pty && log.Level() >= config.LogInfo {
		fmt.Fprintf(opts.Stderr, "Shared connection to %s closed.\r\n", cfg.HostName)
	}
	return status & 255, end
}

// passengerForwards asks the master for the passenger's forwardings, as
// muxclient does before the session: all of them, in order, each refusal
// logged. If any failed (ExitOnForwardFailure plays no part here, as in
// mux.c) it says "muxclient: master forward request failed" and returns
// false: then, as ssh, gssh connects directly and sets up the
// forwardings itself, where ExitOnForwardFailure applies. Forwardings
// the master did open stay open in it, as in ssh. A would-be master
// (auto, autoask) would find the socket taken, as ssh does after
// connecting: gssh says so now and turns multiplexing off for this run,
// so that no second master is started (one that, losing the race for the
// socket, would send us back to this master).
func passengerForwards(c *mux.Client, fwds []mux.Forward, cfg *config.Config, log *sshlog.Logger) bool {
	ok, err := requestForwards(c, fwds, false, cfg.GatewayPorts, nil, log)
	if ok && err == nil {
		return true
	}
	if err != nil {
		log.Logf(config.LogDebug1, "mux_client_forward: %v", err)
	}
	log.Logf(config.LogError, "muxclient: master forward request failed")
	connectDirectly(cfg, log)
	return false
}

// connectDirectly turns this run into a direct connection although a
// master holds ControlPath, so that no second master is started. A would-be
// master (every ControlMaster but no) still tries to listen once
// connected, as ssh does, and says "ControlSocket PATH already exists,
// disabling multiplexing" then, after the direct connection's messages
// (Start); only -f, whose background gssh would come back here, says it
// now.
func connectDirectly(cfg *config.Config, log *sshlog.Logger) {
	if masterRole(cfg) && !cfg.ForkAfterAuthentication {
		cfg.ControlPersistSet = false // a foreground master, as ssh's without a socket to detach for
		return
	}
	if masterRole(cfg) {
		log.Logf(config.LogError, "%s", (&mux.ExistsError{Path: cfg.ControlPath}).Error())
	}
	cfg.ControlMaster, cfg.ControlPersistSet, cfg.ControlPath = config.ControlMasterNo, false, ""
}

// requestSession is c.NewSession, abandoned when a signal arrives on
// sigc first: the control connection is closed, as it would be if the
// signal had killed us (ssh catches them only once the session is open),
// so that a master that never answers cannot hold an interrupted
// passenger. caught is that signal; the caller then exits.
func requestSession(c *mux.Client, req *mux.NewSession, fds []int, sigc <-chan os.Signal) (sess *mux.Session, caught os.Signal, err error) {
	answered := make(chan struct{})
	watched := make(chan struct{})
	crash.Go(func() {
		defer close(watched)
		select {
		case caught = <-sigc:
			c.Close()
		case <-answered:
		}
	})
	sess, err = c.NewSession(req, fds[0], fds[1], fds[2])
	close(answered)
	<-watched
	return sess, caught, err
}

// relayWinch passes SIGWINCH on to the master's pid, which reads the new
// window size from our terminal, until stop is called.
func relayWinch(pid int) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	crash.Go(func() {
		for {
			select {
			case <-winch:
				if pid > 1 {
					syscall.Kill(pid, syscall.SIGWINCH)
				}
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

// stdioPassenger is -W through a master (mux_client_request_stdio_fwd).
func stdioPassenger(c *mux.Client, opts Options) (int, error) {
	cfg, log := opts.Config, opts.Log
	host, portText, ok := cutHostPort(opts.StdioForward)
	port, err := strconv.Atoi(portText)
	if !ok || err != nil {
		return 0, &PassengerError{Err: fmt.Errorf("Bad stdio forwarding specification '%s'", opts.StdioForward)}
	}
	if _, err := c.AliveCheck(); err != nil {
		log.Logf(config.LogError, "mux_client_request_stdio_fwd: master alive request failed")
		return 0, ErrConnectDirectly
	}
	fds, closeFDs, err := stdioFDs(opts.Streams, cfg.StdinNull, 2)
	if err != nil {
		return 0, &PassengerError{Err: err}
	}
	sess, err := c.NewStdioForward(host, uint32(port), fds[0], fds[1])
	closeFDs()
	var refused *mux.ReplyError
	switch {
	case errors.As(err, &refused) && refused.Reason == mux.ErrUpstreamNotResponding.Error():
		// The master has retired itself (SessionCheck).
		log.Logf(config.LogVerbose, "Control master's connection to %s is not responding (%v); it exits, connecting directly", cfg.HostName, err)
		return 0, ErrConnectDirectly
	case errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied:
		return 0, &PassengerError{Err: fmt.Errorf("Master refused stdio forwarding request: %w", refused)}
	case errors.As(err, &refused):
		return 0, &PassengerError{Err: fmt.Errorf("Stdio forwarding request failed: %w", refused)}
	case err != nil:
		return 0, &PassengerError{Err: fmt.Errorf("mux_client_request_stdio_fwd: %w", err)}
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	crash.Go(func() {
		select {
		case _, ok := <-sigc:
			if !ok {
				return
			}
		case <-opts.End:
		}
		c.Close()
	})
	// The forward ends when the master closes the connection; it sends
	// no exit status for a stdio forward.
	sess.Wait(nil)
	return 0, nil
}

// stdioFDs returns the descriptors to pass: stdin, stdout and (n == 3)
// stderr. With -n stdin is /dev/null, as ssh's stdfd_devnull makes it.
// Streams that are not files (tests calling run in-process) cannot be
// passed.
func stdioFDs(st client.Streams, stdinNull bool, n int) ([]int, func(), error) {
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	var fds []int
	for i, s := range []any{st.Stdin, st.Stdout, st.Stderr}[:n] {
		if i == 0 && (stdinNull || s == nil) {
			f, err := os.Open(os.DevNull)
			if err != nil {
				closeAll()
				return nil, func() {}, fmt.Errorf("stdfd_devnull: %w", err)
			}
			opened = append(opened, f)
			fds = append(fds, int(f.Fd()))
			continue
		}
		f, ok := s.(*os.File)
		if !ok {
			closeAll()
			return nil, func() {}, fmt.Errorf("multiplexing needs file descriptors for stdio, not %T", s)
		}
		fds = append(fds, int(f.Fd()))
	}
	return fds, closeAll, nil
}

// remoteDeadlineSlack is how much later than the passenger's the
// server's --remote-timeout deadline may fall (it runs from the command's
// start).
const remoteDeadlineSlack = 2 * time.Second

// awaitRemoteDeadline is --remote-timeout through a master that could
// not signal the command: it waits up to grace plus remoteDeadlineSlack
// for the server's own deadline to end the session, and tells from the
// exit status (timeout(1)'s 124, or 137 after KILL) what ended it. status
// is written before ended is closed.
func awaitRemoteDeadline(ended <-chan struct{}, status *int, grace time.Duration, outcome client.StopOutcome) client.StopOutcome {
	timer := time.NewTimer(grace + remoteDeadlineSlack)
	defer timer.Stop()
	select {
	case <-ended:
	case <-timer.C:
		return outcome
	}
	switch *status & 255 {
	case 124:
		return client.StopRemoteTimeout
	case 137:
		return client.StopRemoteKilled
	}
	return client.StopTerminated
}
