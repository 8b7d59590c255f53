// Command gssh is a drop-in replacement for OpenSSH's ssh(1) client.
//
// It accepts ssh's command line and ssh_config(5), prints ssh's messages
// and exits with ssh's status codes; see docs/gssh.1. This package is the
// command only: the command line and usage (cli.go, usage.go), -Q
// (query.go), the wiring of the library packages (main.go, mux.go,
// fork.go, timeout.go), and the one place where errors become messages and
// exit codes (exit.go). docs/architecture.md draws the packages below it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/registry"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/controlmaster"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/internal/reexec"
)

// version is gssh's own version; the OpenSSH release it follows is named
// beside it in -V output.
const version = "0.1.0"

// versionLine is what -V prints, and -v first: ssh prints its release
// and OpenSSL's there, gssh its own version and the OpenSSH it follows.
func versionLine() string {
	return fmt.Sprintf("gssh %s (OpenSSH_9.2 compatible)", version)
}

func main() {
	st := client.StdStreams()
	live := &liveProcess{}        // sessions.go
	installCrashHandler(st, live) // crash.go
	defer crash.Recover()
	tuneRuntime()
	stopProfile := startCPUProfile()
	installGoroutineDump() // goroutines_unix.go
	code := run(os.Args, st, live)
	stopProfile()
	os.Exit(code)
}

// run is gssh from argument parsing to exit status. It is the only place
// that turns errors into messages and exit codes. live is this process's
// entry in the registry of live gssh processes (sessions.go).
func run(argv []string, st client.Streams, live *liveProcess) (code int) {
	prog := filepath.Base(argv[0])
	// Before any configuration can run a command (reexec.Take).
	inh := reexec.Take()
	inv, err := parseArgs(argv[1:])
	if err != nil {
		return reportArgsError(st.Stderr, err)
	}
	// --timeout bounds everything from here on: DNS, connect, handshake,
	// authentication, prompts and the remote command.
	ctx, cancel := runContext(inv.Timeout)
	defer cancel()
	switch {
	case inv.Help:
		io.WriteString(st.Stdout, usageText())
		return 0
	case inv.Version:
		fmt.Fprintf(st.Stderr, "%s\n", versionLine())
		return 0
	case inv.Query != "":
		if err := runQuery(st.Stdout, inv.Query); err != nil {
			return report(st.Stderr, prog, err)
		}
		return 0
	case inv.Sessions:
		return runSessions(st, prog, inv.SessionsJSON) // sessions.go
	case inv.End:
		return runEnd(st, prog, inv.EndTargets)
	}
	for _, w := range inv.Warnings {
		fmt.Fprintln(st.Stderr, w)
	}
	// With -E, everything ssh logs goes to the file, fatal errors included.
	logOut := st.Stderr
	if inv.LogFile != "" {
		f, err := os.OpenFile(inv.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintf(st.Stderr, "Couldn't open logfile %s: %s\n", inv.LogFile, config.Strerror(err))
			return 1
		}
		defer f.Close()
		logOut = f
	}

	if inv.Verbosity > 0 {
		// ssh's first -v line names its release (logit, so no prefix);
		// gssh names its own, as -V does.
		fmt.Fprintf(logOut, "%s\r\n", versionLine())
	}
	cfg, err := config.Resolve(inv.Request)
	if err != nil {
		return report(logOut, prog, err)
	}
	// What ssh logged while reading the files, under the command line's
	// level.
	for _, d := range cfg.Debug {
		fmt.Fprintf(logOut, "%s\r\n", sshlog.Line(d.Level, d.Text))
	}
	if inv.DumpConfig {
		// ssh -G prints the configuration's warnings before the dump.
		for _, w := range cfg.Warnings {
			fmt.Fprintf(logOut, "%s\r\n", termsafe.LogLine(w))
		}
		if err := cfg.WriteG(st.Stdout); err != nil {
			return report(logOut, prog, err)
		}
		return 0
	}
	if err := checkSupported(inv, cfg); err != nil {
		return report(logOut, prog, err)
	}
	displayCommand := strings.Join(inv.Command, " ")
	if inv.RemoteTimeout {
		// Before the mux and the session: both send the same command.
		// -G, above, prints the configuration as ssh does, unwrapped.
		if err := applyRemoteTimeout(inv, cfg); err != nil { // timeout.go
			return report(logOut, prog, err)
		}
	}
	if inv.Reconnect {
		noMultiplexing(cfg) // tunnel.go
	}
	// -f's background child hands its messages to the waiting parent
	// until it is ready (reexec.Report).
	child := inh.Fork
	defer child.Send(reexec.Failed, "")
	if child != nil && inv.LogFile == "" {
		logOut = child
	}
	// Once gssh --end has ended the run, only its one line is printed.
	rawOut := logOut
	logOut = live.gate(logOut)
	defer func() {
		if live.ended.Load() {
			code = exitFailure
		}
	}()

	log := sshlog.New(logOut, cfg.LogLevel)
	log.SetCharset(termsafe.LocaleCharset(os.LookupEnv, termsafe.Installed))
	if inv.LogFile != "" {
		// ssh prints the userauth banner on stderr whatever -E says.
		var banner io.Writer = st.Stderr
		if child != nil {
			banner = child
		}
		log.SetStderr(banner)
	}
	// config kept only the warnings ssh would print at these log levels.
	for _, w := range cfg.Warnings {
		fmt.Fprintf(logOut, "%s\r\n", termsafe.LogLine(w))
	}

	ctx, endRun := context.WithCancelCause(ctx)
	defer endRun(nil)
	// Not the foreground half of -f, which leaves once its child (or the
	// background master) is ready: they register.
	if inv.ControlCommand == "" && !(cfg.ForkAfterAuthentication && child == nil && inh.Master == nil) {
		role := directRole(inv, cfg)
		switch {
		case inh.Master != nil:
			role = registry.RoleMaster
		case cfg.ControlPath != "":
			role = registry.RolePassenger // until runMux says to connect directly
		}
		live.register(inv, displayCommand, cfg, st, rawOut, log, role, endRun)
		defer live.finish()
	}

	muxOpts := controlmaster.Options{
		Config: cfg, Log: log, Stderr: logOut, Streams: st, Argv: argv,
		Command: strings.Join(inv.Command, " "), StdioForward: inv.StdioForward,
		KillAfter: inv.KillAfter, ControlCommand: inv.ControlCommand,
		Connected: live.connected, RemoteDeadline: inv.RemoteTimeout, End: live.endRequests(),
	}
	if status, done := runMux(ctx, prog, muxOpts, inh.Master); done { // mux.go
		return status
	}
	live.setRole(directRole(inv, cfg))
	if cfg.ForkAfterAuthentication && child == nil {
		return forkBackground(argv, prog, logOut) // fork.go
	}
	child.Relay()
	var prompter tty.Prompter
	if !cfg.BatchMode {
		prompter = forkPrompter(child)
	}
	if inv.ControlCommand == "proxy" {
		// ssh -O proxy: the connection protocol through the master,
		// which has done the connecting; no master of our own.
		conn, err := controlmaster.DialProxy(ctx, muxOpts)
		if err != nil {
			return reportMux(ctx, muxOpts, prog, err)
		}
		defer conn.Close()
		live.setRole(registry.RolePassenger)
		return runSession(ctx, inv, cfg, conn, nil, st, logOut, prog, log, child)
	}
	conn, err := dialBounded(ctx, cfg, client.DialOptions{Prompter: prompter, Log: log, ResolveJump: jumpResolver(inv, cfg),
		Command: len(inv.Command) > 0 || inv.StdioForward != ""})
	if inv.Reconnect {
		return runTunnel(ctx, inv, cfg, conn, err, child, st, logOut, prog, log, live) // tunnel.go
	}
	if err != nil {
		return reportDial(ctx, err, logOut, prog, cfg, log)
	}
	defer conn.Close()
	live.connected(conn)
	muxOpts.Conn = conn
	ms := &masterStarter{opts: muxOpts, started: func() { live.setRole(registry.RoleMaster) }}
	defer func() { ms.master().Finish() }()
	return runSession(ctx, inv, cfg, conn, ms, st, logOut, prog, log, child)
}

// masterStarter makes this gssh a foreground master when
// startForwarding says it is ssh's moment (muxserver_listen).
type masterStarter struct {
	opts    controlmaster.Options
	started func() // called once this gssh is the master
	m       *controlmaster.Master
}

func (s *masterStarter) start() {
	if s == nil {
		return
	}
	var err error
	if s.m, err = controlmaster.Start(s.opts); err != nil {
		s.opts.Log.Logf(config.LogError, "%s", err)
	}
	if s.m != nil && s.started != nil {
		s.started()
	}
}

// master is the master start made, or nil.
func (s *masterStarter) master() *controlmaster.Master {
	if s == nil {
		return nil
	}
	return s.m
}

// runSession is what follows the connection, direct or through a
// master's proxy mode: forwardings, LocalCommand, then the session or
// -N's wait. ms, when set, makes this gssh a foreground master at ssh's
// moment (startForwarding).
func runSession(ctx context.Context, inv *invocation, cfg *config.Config, conn *client.Conn, ms *masterStarter,
	st client.Streams, logOut io.Writer, prog string, log *sshlog.Logger, child *reexec.Report) int {
	fwd, stopForwarding, code, done := startForwarding(ctx, inv, conn, st, logOut, prog, log, ms.start) // forward.go
	master := ms.master()
	master.UseForwarding(fwd)
	defer stopForwarding()
	if done {
		return code
	}
	child.Send(reexec.Ready, "")
	if cfg.SessionType == "none" {
		notifySystemd(ctx, conn, log) // tunnel.go
	}
	runLocalCommand(cfg, st, log) // localcommand.go

	// A master's -O exit, or -O stop once a -N master is idle, ends the
	// run as ssh's quit_pending does: 255 and nothing said.
	runCtx, endRun := master.Bind(ctx)
	defer endRun()
	started := time.Now()
	status, err := conn.Run(runCtx, client.SessionOptions{
		Command:        strings.Join(inv.Command, " "),
		KillAfter:      inv.KillAfter,
		IdleTimeout:    inv.IdleTimeout,
		RemoteDeadline: inv.RemoteTimeout,
		Filter: client.EscapeFilter(client.EscapeOptions{
			Char:        cfg.EscapeChar,
			CommandLine: cfg.EnableEscapeCommandline,
			LogToFile:   inv.LogFile != "",
			Forwarding:  fwd,
		}),
	}, st, log)
	if master.Ended() {
		return exitFailure
	}
	// After ~&, the forwarded connections outlive the session, as they
	// do in ssh's backgrounded child.
	fwd.WaitDetached(ctx)
	if err != nil {
		if code, ok := reportEarlyEnd(ctx, logOut, prog, inv.IdleTimeout, err, log.Level() == config.LogQuiet); ok {
			return code
		}
		return reportSession(log, err)
	}
	logTransferred(log, conn, time.Since(started))
	log.Logf(config.LogDebug1, "Exit status %d", status)
	return status
}

// reportDial prints a failed connection as ssh does and returns the exit
// status: 124 for --timeout, 255 otherwise.
func reportDial(ctx context.Context, err error, logOut io.Writer, prog string, cfg *config.Config, log *sshlog.Logger) int {
	if code, ok := reportDialTimeout(ctx, logOut, prog, cfg, log.Level() == config.LogQuiet); ok {
		return code
	}
	// ssh's fatal() honours LogLevel: -q silences even these.
	if log.Level() < fatalLevel(err) {
		return exitFailure
	}
	if disconnected := (*client.DisconnectedError)(nil); errors.As(err, &disconnected) {
		disconnected.Log(log) // two lines at two levels
		return exitFailure
	}
	return report(logOut, prog, err)
}

// logTransferred is the end of ssh's client_loop at -v: the bytes moved
// on the connection's socket, and their rate over the session's time.
func logTransferred(log *sshlog.Logger, conn *client.Conn, elapsed time.Duration) {
	sent, received := conn.Traffic()
	secs := elapsed.Seconds()
	log.Logf(config.LogVerbose, "Transferred: sent %d, received %d bytes, in %.1f seconds", sent, received, secs)
	if secs > 0 {
		log.Logf(config.LogVerbose, "Bytes per second: sent %.1f, received %.1f", float64(sent)/secs, float64(received)/secs)
	}
}
