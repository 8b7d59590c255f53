package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
)

// startForwarding does what ssh does between authentication and the
// session: -W replaces the session with a stdio forward (done is true
// and code is the exit status), otherwise the -L, -R and -D forwardings
// are set up (fwd, for ~C to add to) and stop ends them. A forwarding
// failure under ExitOnForwardFailure ends the run with 255 before any
// command runs.
//
// startMaster, when set, makes this gssh a master where ssh.c calls
// muxserver_listen: before a stdio forward, otherwise after the local
// forwardings and before the remote ones are answered.
func startForwarding(ctx context.Context, inv *invocation, conn *client.Conn, st client.Streams,
	logOut io.Writer, prog string, log *sshlog.Logger, startMaster func()) (fwd *forward.Forwarding, stop func(), code int, done bool) {
	stop = func() {}
	fail := func(err error) (*forward.Forwarding, func(), int, bool) {
		// ssh's fatal() honours LogLevel: -q silences it.
		if log.Level() == config.LogQuiet {
			return nil, stop, exitFailure, true
		}
		return nil, stop, report(logOut, prog, err), true
	}
	if startMaster == nil {
		startMaster = func() {}
	}
	if inv.StdioForward != "" {
		startMaster()
		if err := conn.StdioForward(ctx, inv.StdioForward, st); err != nil {
			return fail(err)
		}
		return nil, stop, 0, true
	}
	fwd, err := forward.Start(ctx, conn.Client, conn.Config, log, forward.Options{HostKeyUntrusted: conn.HostKeyUntrusted, AfterLocal: startMaster})
	if err != nil {
		return fail(err)
	}
	return fwd, func() { fwd.Close() }, 0, false
}

// jumpResolver resolves a ProxyJump hop's configuration the way ssh(1)
// 9.2 does for the "ssh -l USER -p PORT -F FILE -v -W ... HOP" it runs
// per hop: the hop is the destination, -F and the debug level carry
// over, and nothing else from the command line does. The hop's user and
// host are command-line names for that child, so config.Resolve refuses
// hostile ones before the hop's configuration is evaluated, with the
// child's message.
func jumpResolver(inv *invocation, cfg *config.Config) func(config.Hop) (*config.Config, error) {
	return func(hop config.Hop) (*config.Config, error) {
		req := inv.Request
		req.Host = hop.Host
		req.Options = nil
		if inv.Verbosity > 0 {
			req.Options = append(req.Options, "LogLevel "+cfg.LogLevel.String())
		}
		if hop.User != "" {
			req.Options = append(req.Options, configLine("User", hop.User))
		}
		if hop.Port > 0 {
			req.Options = append(req.Options, "Port "+strconv.Itoa(hop.Port))
		}
		hcfg, err := config.Resolve(req)
		if err != nil {
			return nil, fmt.Errorf("ProxyJump %s: %w", hop.Host, err)
		}
		return hcfg, nil
	}
}

// reportJump prints a failure behind a ProxyJump hop as ssh's chain of
// processes would: the hop's own messages, then two lines from every ssh
// between it and the destination.
func reportJump(stderr io.Writer, prog string, err *client.JumpError) int {
	report(stderr, prog, err.Err)
	for _, l := range err.ParentLines() {
		io.WriteString(stderr, logLines(l))
	}
	return exitFailure
}
