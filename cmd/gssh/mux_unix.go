//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
)

// runMux is what multiplexing does before gssh connects on its own, in
// the order of ssh.c and mux.c's muxclient: -O commands, a re-executed
// background master, an existing master for this session, or a new
// background master (ControlPersist, -f -N -M) whose passenger this
// process becomes. done=false means: connect directly. daemon is the
// readiness pipe of a re-executed background master (takeInherited).
func runMux(ctx context.Context, argv []string, inv *invocation, cfg *config.Config, st client.Streams, logOut io.Writer, log *sshlog.Logger, daemon *os.File) (status int, done bool) {
	prog := progName(argv)
	if daemon != nil {
		return runDaemon(ctx, prog, daemon, cfg, logOut, log), true
	}
	path := cfg.ControlPath
	if inv.ControlCommand != "" {
		if path == "" {
			fmt.Fprintf(logOut, "No ControlPath specified for \"-O\" command\r\n")
			return exitFailure, true
		}
		return controlCommand(inv.ControlCommand, path, cfg, st, logOut, log), true
	}
	if path == "" {
		return 0, false
	}
	if tryExisting(cfg) {
		if status, done := passenger(ctx, prog, inv, cfg, st, logOut, log, false, configForwards(cfg)); done {
			return status, true
		}
	}
	if !masterRole(cfg) {
		return 0, false
	}
	if n := len(path) + len(".0123456789abcdef"); n > mux.MaxPathLen {
		// The master binds PATH.<16 random characters>; OpenSSH fails
		// there, after authenticating, with unix_listener's message.
		fmt.Fprintf(logOut, "%s\r\n", (&mux.ListenPathError{Path: path + ".XXXXXXXXXXXXXXXX"}).Error())
		return exitFailure, true
	}
	if !backgroundMaster(cfg) {
		return 0, false // a foreground master: see startMaster
	}
	fwds := configForwards(cfg)
	switch spawnDaemon(argv, logOut) {
	case spawnFailed:
		return exitFailure, true
	case spawnReady:
		// Our master runs with our arguments and has set up our -L, -R
		// and -D itself (runDaemon), as ssh's master has before
		// control_persist_detach's other half becomes its client. Asking
		// again would only be answered "already there", except for a -R
		// 0, whose allocated port the master does not know to be ours.
		fwds = nil
	case spawnLost:
		if !tryExisting(cfg) {
			// yes and ask never share another master's connection.
			log.Logf(config.LogError, "%s", (&mux.ExistsError{Path: path}).Error())
			cfg.ControlMaster, cfg.ControlPersistSet, cfg.ControlPath = "no", false, ""
			return 0, false
		}
		// auto lost the race to another gssh: use the winner's master.
	}
	if cfg.ForkAfterAuthentication && cfg.SessionType == "none" {
		return 0, true // -f -N -M: the master is all that was asked for
	}
	status, done = passenger(ctx, prog, inv, cfg, st, logOut, log, true, fwds)
	if !done {
		return 0, false
	}
	return status, true
}

// progName is the program name ssh's messages start with.
func progName(argv []string) string {
	if len(argv) == 0 {
		return "gssh"
	}
	name := argv[0]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// tryExisting: ControlMaster no, auto and autoask look for a master
// first; yes and ask never do.
func tryExisting(cfg *config.Config) bool {
	switch cfg.ControlMaster {
	case "", "no", "auto", "autoask":
		return true
	}
	return false
}

// masterRole: every setting but no makes this gssh a master when it ends
// up connecting itself.
func masterRole(cfg *config.Config) bool {
	return cfg.ControlPath != "" && cfg.ControlMaster != "" && cfg.ControlMaster != "no"
}

// backgroundMaster: ControlPersist, or -f, sends the master to the
// background, where it outlives this process.
func backgroundMaster(cfg *config.Config) bool {
	return masterRole(cfg) && (cfg.ControlPersistSet || cfg.ForkAfterAuthentication)
}

// muxForkOK reports whether -f is something gssh can do for cfg: only as
// the background master of -f -N -M (or ControlPersist).
func muxForkOK(cfg *config.Config) bool {
	return backgroundMaster(cfg)
}

// dialMaster connects to the control socket for a session, with ssh's
// handling of the failures: a missing socket silently means "no master",
// a stale one is unlinked (not with ControlMaster no, which says so), and
// a path that cannot be a socket address is fatal.
func dialMaster(cfg *config.Config, logOut io.Writer, log *sshlog.Logger) (c *mux.Client, fatal bool) {
	path := cfg.ControlPath
	c, err := mux.Dial(path)
	var long *mux.PathTooLongError
	var dialErr *mux.DialError
	switch {
	case err == nil:
		return c, false
	case errors.As(err, &long):
		fmt.Fprintf(logOut, "%s\r\n", long.Error())
		return nil, true
	case errors.As(err, &dialErr) && errors.Is(err, syscall.ENOENT):
		log.Logf(config.LogDebug1, "Control socket \"%.100s\" does not exist", path)
	case errors.As(err, &dialErr) && errors.Is(err, syscall.ECONNREFUSED) && cfg.ControlMaster != "no" && cfg.ControlMaster != "":
		log.Logf(config.LogDebug1, "Stale control socket %.100s, unlinking", path)
		os.Remove(path)
	case errors.As(err, &dialErr):
		log.Logf(config.LogError, "Control socket connect(%.100s): %s", path, config.Strerror(dialErr.Err))
	default:
		log.Logf(config.LogError, "muxclient: master hello exchange failed")
	}
	return nil, false
}

// passenger runs this invocation's session through the master, as
// mux_client_request_session does. done=false means the master could not
// be used and gssh connects directly, which is also what ssh does when
// the master refuses the session, and what gssh does when a gssh master's
// own connection no longer answers (self-healing, mux_heal_unix.go).
// mustExist says the master was just started for us, so a missing socket
// is an error. fwds, the passenger's own -L, -D and -R, are asked of the
// master before the session (passengerForwards). ctx's deadline
// (--timeout) and HUP, INT and TERM end the session early
// (passengerStop).
func passenger(ctx context.Context, prog string, inv *invocation, cfg *config.Config, st client.Streams, logOut io.Writer, log *sshlog.Logger, mustExist bool, fwds []mux.Forward) (int, bool) {
	ident, _ := os.Lstat(cfg.ControlPath) // the socket we reuse, should we retire it
	c, fatal := dialMaster(cfg, logOut, log)
	if fatal {
		return exitFailure, true
	}
	if c == nil {
		if mustExist {
			// ssh.c's control_persist_detach says this and exits 255.
			log.Logf(config.LogError, "Failed to connect to new control master")
			return exitFailure, true
		}
		return 0, false
	}
	defer c.Close()
	// Until the master has shown its connection answers, the wait is
	// bounded by --timeout and ConnectTimeout only (mux_heal_unix.go).
	deadline := masterDeadline(ctx, cfg)
	stopNotice := func() {}
	if checked(c) {
		stopNotice = noticeSlowMaster(cfg.HostName, deadline, log)
	}
	defer stopNotice()
	if inv.StdioForward != "" {
		err := checkUpstream(c, deadline)
		stopNotice()
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return gaveUpOnMaster(ctx, prog, cfg, logOut, log), true
		case err != nil:
			retireMaster(c, err, cfg.ControlPath, ident, cfg.HostName, log)
			return 0, false
		}
		// mux.c sends no forwardings with a stdio forward.
		return stdioPassenger(c, inv, cfg, st, log)
	}
	// A -R waits for the master's server to answer: with forwardings to
	// send, a gssh master proves first that its server still does, or a
	// dead one would hold us forever; that proof also covers the session.
	check := checkUpstreamWithSession
	if len(fwds) > 0 {
		check = checkUpstream
	}
	if err := check(c, deadline); errors.Is(err, os.ErrDeadlineExceeded) {
		return gaveUpOnMaster(ctx, prog, cfg, logOut, log), true
	} else if err != nil {
		retireMaster(c, err, cfg.ControlPath, ident, cfg.HostName, log)
		return 0, false
	}
	if len(fwds) > 0 {
		stopNotice() // the keepalive was the proof
		if !passengerForwards(c, fwds, cfg, log) {
			return 0, false
		}
	}

	pid, err := c.AliveCheck()
	if err != nil {
		log.Logf(config.LogError, "mux_client_request_session: master alive request failed")
		return 0, false
	}
	command := strings.Join(inv.Command, " ")
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
		Subsystem:  cfg.SessionType == "subsystem",
		EscapeChar: escape,
		Term:       term,
		Command:    command,
		Env:        client.SharedEnv(environ, cfg),
	}
	fds, closeFDs, err := stdioFDs(st, cfg.StdinNull, 3)
	if err != nil {
		log.Logf(config.LogError, "%v", err)
		return exitFailure, true
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
		return exitFailure, true
	}
	var refused *mux.ReplyError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return gaveUpOnMaster(ctx, prog, cfg, logOut, log), true
	case errors.As(err, &refused) && refused.Reason == mux.ErrUpstreamNotResponding.Error():
		// The master has retired itself (SessionCheck).
		log.Logf(config.LogVerbose, "Control master's connection to %s is not responding (%v); it exits, connecting directly", cfg.HostName, err)
		return 0, false
	case errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied:
		log.Logf(config.LogError, "Master refused session request: %s", refused.Reason)
		return 0, false
	case errors.As(err, &refused):
		log.Logf(config.LogError, "mux_client_request_session: session request failed: %s", refused.Reason)
		return 0, false
	case err != nil:
		log.Logf(config.LogError, "mux_client_request_session: %v", err)
		return 0, false
	}

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
	signalled, timedOut := false, false
	select {
	case <-ended:
	case sig := <-sigc:
		signalled = true
		stop.interrupt(sig)
	case <-ctx.Done():
		timedOut = true
		if stop.canSignal() {
			outcome = stop.deadline(inv.KillAfter)
		}
	}
	// Closing the control connection makes the master close the channel,
	// if the session is still open, and ends Wait.
	c.Close()
	<-ended
	st.Terminal.Restore()
	switch {
	case signalled:
		status = exitFailure
	case timedOut:
		status = exitTimeout
	case errors.Is(err, mux.ErrNoExitMessage):
		log.Logf(config.LogDebug2, "Control master terminated unexpectedly")
		status = exitFailure
	case err != nil:
		log.Logf(config.LogError, "mux_client_request_session: %v", err)
		status = exitFailure
	}
	if pty && log.Level() >= config.LogInfo {
		fmt.Fprintf(logOut, "Shared connection to %s closed.\r\n", cfg.HostName)
	}
	if timedOut && log.Level() != config.LogQuiet {
		what := "control master cannot signal the remote command; it may still be running"
		if outcome != 0 {
			what = outcome.Describe()
		}
		fmt.Fprintf(logOut, "%s: %v: %s\r\n", prog, context.Cause(ctx), what)
	}
	return status & 255, true
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
	if masterRole(cfg) {
		log.Logf(config.LogError, "%s", (&mux.ExistsError{Path: cfg.ControlPath}).Error())
	}
	cfg.ControlMaster, cfg.ControlPersistSet, cfg.ControlPath = "no", false, ""
	return false
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
func stdioPassenger(c *mux.Client, inv *invocation, cfg *config.Config, st client.Streams, log *sshlog.Logger) (int, bool) {
	host, portText, ok := cutHostPort(inv.StdioForward)
	port, err := strconv.Atoi(portText)
	if !ok || err != nil {
		log.Logf(config.LogError, "Bad stdio forwarding specification '%s'", inv.StdioForward)
		return exitFailure, true
	}
	if _, err := c.AliveCheck(); err != nil {
		log.Logf(config.LogError, "mux_client_request_stdio_fwd: master alive request failed")
		return 0, false
	}
	fds, closeFDs, err := stdioFDs(st, cfg.StdinNull, 2)
	if err != nil {
		log.Logf(config.LogError, "%v", err)
		return exitFailure, true
	}
	sess, err := c.NewStdioForward(host, uint32(port), fds[0], fds[1])
	closeFDs()
	var refused *mux.ReplyError
	switch {
	case errors.As(err, &refused) && refused.Reason == mux.ErrUpstreamNotResponding.Error():
		// The master has retired itself (SessionCheck).
		log.Logf(config.LogVerbose, "Control master's connection to %s is not responding (%v); it exits, connecting directly", cfg.HostName, err)
		return 0, false
	case errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied:
		log.Logf(config.LogError, "Master refused stdio forwarding request: %s", refused.Reason)
		return exitFailure, true
	case errors.As(err, &refused):
		log.Logf(config.LogError, "Stdio forwarding request failed: %s", refused.Reason)
		return exitFailure, true
	case err != nil:
		log.Logf(config.LogError, "mux_client_request_stdio_fwd: %v", err)
		return exitFailure, true
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	crash.Go(func() {
		if _, ok := <-sigc; ok {
			c.Close()
		}
	})
	// The forward ends when the master closes the connection; it sends
	// no exit status for a stdio forward.
	sess.Wait(nil)
	return 0, true
}

// cutHostPort splits -W's host:port, with [] around IPv6 addresses.
func cutHostPort(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]:")
		if end < 0 {
			return "", "", false
		}
		return s[1:end], s[end+2:], true
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
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

// controlCommand is ssh -O: check, exit, stop, forward, cancel, and
// OpenSSH 10.3's conninfo and channels.
func controlCommand(cmd, path string, cfg *config.Config, st client.Streams, logOut io.Writer, log *sshlog.Logger) int {
	fatal := func(format string, args ...any) int {
		// ssh's fatal: the master's reasons are made safe like any log line.
		io.WriteString(logOut, termsafe.LogLine(fmt.Sprintf(format, args...))+"\r\n")
		return exitFailure
	}
	c, err := mux.Dial(path)
	var long *mux.PathTooLongError
	var dialErr *mux.DialError
	switch {
	case errors.As(err, &long):
		return fatal("%s", long.Error())
	case errors.As(err, &dialErr):
		return fatal("Control socket connect(%.100s): %s", path, config.Strerror(dialErr.Err))
	case err != nil:
		return fatal("muxclient: master hello exchange failed")
	}
	defer c.Close()
	var refused *mux.ReplyError
	denied := func(err error) bool {
		return errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied
	}
	quiet := log.Level() == config.LogQuiet
	switch cmd {
	case "check":
		pid, err := c.AliveCheck()
		switch {
		case errors.As(err, &refused):
			return fatal("mux_client_request_alive: master returned error: %s", refused.Reason)
		case err != nil:
			return fatal("muxclient: master alive check failed")
		}
		fmt.Fprintf(logOut, "Master running (pid=%d)\r\n", pid)
	case "exit":
		err := c.Terminate()
		switch {
		case denied(err):
			return fatal("Master refused termination request: %s", refused.Reason)
		case errors.As(err, &refused):
			return fatal("mux_client_request_terminate: termination request failed: %s", refused.Reason)
		case err != nil:
			return fatal("mux_client_request_terminate: %v", err)
		}
		if !quiet {
			fmt.Fprintf(logOut, "Exit request sent.\r\n")
		}
	case "stop":
		err := c.StopListening()
		switch {
		case denied(err):
			return fatal("Master refused stop listening request: %s", refused.Reason)
		case errors.As(err, &refused):
			return fatal("mux_client_request_stop_listening: stop listening request failed: %s", refused.Reason)
		case err != nil:
			return fatal("mux_client_request_stop_listening: %v", err)
		}
		if !quiet {
			fmt.Fprintf(logOut, "Stop listening request sent.\r\n")
		}
	case "forward", "cancel":
		cancel := cmd == "cancel"
		ok, err := requestForwards(c, configForwards(cfg), cancel, cfg.GatewayPorts, st.Stdout, log)
		if err != nil {
			return fatal("mux_client_forward: %v", err)
		}
		failed := !ok
		if failed && !cancel {
			return fatal("muxclient: master forward request failed")
		}
		if failed {
			log.Logf(config.LogError, "muxclient: master cancel forward request failed")
		}
	case "conninfo", "channels":
		text, err := c.Info(cmd)
		switch {
		case errors.As(err, &refused):
			return fatal("mux_client_request_info: %s request failed: %s", cmd, refused.Reason)
		case err != nil:
			return fatal("mux_client_request_info: %v", err)
		}
		io.WriteString(st.Stdout, text)
	default: // proxy
		return fatal("%s", (&client.UnsupportedError{Feature: "-O " + cmd}).Error())
	}
	return 0
}

// requestForwards is mux_client_forwards: it asks the master to open
// (or, with cancel, close) each forwarding in turn, logging a refusal as
// mux_client_forward does and going on with the next; ok is false if
// any was refused. The allocated port of a -R 0 is logged at VERBOSE and,
// when ports is not nil (-O forward), printed there. A control
// connection that broke ends it with err.
func requestForwards(c *mux.Client, fwds []mux.Forward, cancel, gatewayPorts bool, ports io.Writer, log *sshlog.Logger) (ok bool, err error) {
	what := "forwarding of"
	if cancel {
		what = "cancellation of"
	}
	ok = true
	for _, f := range fwds {
		log.Logf(config.LogDebug1, "Requesting %s %s", what, describeForward(f, gatewayPorts))
		port, err := c.Forward(f, cancel)
		var refused *mux.ReplyError
		switch {
		case errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied:
			log.Logf(config.LogError, "Master refused forwarding request: %s", refused.Reason)
			ok = false
		case errors.As(err, &refused):
			log.Logf(config.LogError, "mux_client_forward: forwarding request failed: %s", refused.Reason)
			ok = false
		case err != nil:
			return false, err
		case !cancel && f.Kind == mux.ForwardRemote && f.ListenPort == 0:
			log.Logf(config.LogVerbose, "Allocated port %d for remote forward to %s:%d", port, connectHost(f), int32(f.ConnectPort))
			if ports != nil {
				fmt.Fprintf(ports, "%d\n", port)
			}
		}
	}
	return ok, nil
}

// describeForward is mux.c's format_forward, for the debug messages and
// a -MM master's question: a listen address left out is LOCALHOST, or *
// for a local forwarding with GatewayPorts; a Unix socket's port is -2,
// PORT_STREAMLOCAL; each name is cut at 200 bytes (%.200s).
func describeForward(f mux.Forward, gatewayPorts bool) string {
	listen := f.ListenHost
	if listen == "" {
		listen = "LOCALHOST"
		if gatewayPorts && f.Kind != mux.ForwardRemote {
			listen = "*"
		}
	}
	listen, connect := cut200(listen), cut200(f.ConnectHost)
	switch f.Kind {
	case mux.ForwardDynamic:
		return fmt.Sprintf("dynamic forward %s:%d -> *", listen, int32(f.ListenPort))
	case mux.ForwardRemote:
		return fmt.Sprintf("remote forward %s:%d -> %s:%d", listen, int32(f.ListenPort), connect, int32(f.ConnectPort))
	}
	return fmt.Sprintf("local forward %s:%d -> %s:%d", listen, int32(f.ListenPort), connect, int32(f.ConnectPort))
}

// cut200 is printf's %.200s.
func cut200(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// connectHost is the host "Allocated port" names: none for a Unix
// socket, whose path ssh keeps apart from the host.
func connectHost(f mux.Forward) string {
	if f.ConnectPort == mux.PortStreamLocal {
		return ""
	}
	return f.ConnectHost
}

// configForwards turns the resolved LocalForward, DynamicForward and
// RemoteForward lines ("LISTEN CONNECT", as ssh -G prints them) into
// mux forwardings, local ones first as mux_client_forwards sends them.
// A forwarding without a destination (-D, and -R as a SOCKS proxy)
// names "socks" port 0 as its destination, as readconf.c parse_forward
// records it: an OpenSSH master refuses a dynamic forwarding without a
// host ("No forward host name.") and compares it with its own by it.
func configForwards(cfg *config.Config) []mux.Forward {
	if cfg.ClearAllForwardings {
		return nil
	}
	var out []mux.Forward
	add := func(kind mux.ForwardKind, lines []string) {
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			f := mux.Forward{Kind: kind}
			f.ListenHost, f.ListenPort = fwdEndpoint(fields[0], true)
			if len(fields) > 1 {
				f.ConnectHost, f.ConnectPort = fwdEndpoint(fields[1], false)
			} else {
				f.ConnectHost = "socks"
			}
			out = append(out, f)
		}
	}
	add(mux.ForwardLocal, cfg.LocalForwards)
	add(mux.ForwardDynamic, cfg.DynamicForwards)
	add(mux.ForwardRemote, cfg.RemoteForwards)
	return out
}

// fwdEndpoint parses "[host]:port", "host:port", "port" (listen side
// only) or a Unix socket path.
func fwdEndpoint(s string, listen bool) (string, uint32) {
	if strings.Contains(s, "/") {
		return s, mux.PortStreamLocal
	}
	host, port, ok := cutHostPort(s)
	if !ok && listen {
		host, port = "", s
	}
	n, _ := strconv.ParseUint(port, 10, 16)
	return strings.Trim(host, "[]"), uint32(n)
}
