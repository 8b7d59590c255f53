package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/termsafe"
	"github.com/gssh/gssh/controlmaster"
	"github.com/gssh/gssh/internal/reexec"
)

// exitFailure is ssh's status for every failure of its own, as opposed to
// the remote command's status.
const exitFailure = 255

// report prints err the way ssh prints the same failure and returns the
// exit status. ssh's log functions end lines in "\r\n" on stderr, and only
// its "ssh: ..." messages carry the program name.
func report(stderr io.Writer, prog string, err error) int {
	var parseErr *config.ParseError
	var openErr *config.OpenError
	var connectErr *client.ConnectError
	var resolveErr *client.ResolveError
	var unsupported *client.UnsupportedError
	var jump *client.JumpError
	var name *config.NameError
	var disconnected *client.DisconnectedError
	var stdio *client.StdioForwardError
	var fatal *config.FatalError
	line := func(format string, args ...any) { io.WriteString(stderr, logLines(fmt.Sprintf(format, args...))) }
	switch {
	case errors.As(err, &jump):
		return reportJump(stderr, prog, jump) // forward.go
	case errors.As(err, &parseErr) && errors.As(parseErr.Err, &name):
		// A command-line ProxyJump hop with a bad name (names.go).
		line("%s", nameMessage(name))
		line("%s", parseErr.Error())
	case errors.As(err, &name):
		line("%s", nameMessage(name))
	case errors.As(err, &disconnected):
		// Each is one log call in ssh, whatever "\r\n" the reason holds.
		received, gone := disconnected.Lines()
		io.WriteString(stderr, termsafe.LogLine(received)+"\r\n"+termsafe.LogLine(gone)+"\r\n")
	case errors.As(err, &stdio):
		// The channel's failure quotes the server, "\r\n" and all.
		io.WriteString(stderr, termsafe.LogLine(stdio.Err.Error())+"\r\n"+termsafe.LogLine("stdio forwarding failed")+"\r\n")
	case errors.As(err, &parseErr):
		if parseErr.Detail != "" {
			line("%s", parseErr.Detail)
		}
		line("%s", parseErr.Error())
		if t := parseErr.Terminating(); t != "" {
			line("%s", t)
		}
	case errors.As(err, &fatal):
		for _, l := range fatal.Lines {
			if fatal.Prog {
				l = prog + ": " + l
			}
			line("%s", l)
		}
	case errors.As(err, &openErr):
		line("Can't open user config file %s: %s", openErr.Path, config.Strerror(openErr.Err))
	case errors.As(err, &connectErr), errors.As(err, &resolveErr):
		line("%s: %s", prog, strings.TrimPrefix(err.Error(), "ssh: "))
	case errors.As(err, &unsupported):
		line("%s: %s", prog, unsupported.Error())
	default:
		line("%s", err)
	}
	return exitFailure
}

// logLines renders text, which may hold several of ssh's log lines joined
// by "\r\n", as ssh's do_log writes each of them (termsafe.LogLine): error
// texts quote the server (a DISCONNECT reason, a channel-open failure) and
// names from the command line.
func logLines(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\r\n") {
		b.WriteString(termsafe.LogLine(l) + "\r\n")
	}
	return b.String()
}

// fatalLevel is the LogLevel from which ssh prints the message that ends
// a failed connection: fatal()'s for most errors, but INFO for a failed
// algorithm negotiation, which packet.c reports with logdie().
func fatalLevel(err error) config.LogLevel {
	var ne *client.NegotiationError
	if errors.As(err, &ne) {
		return config.LogInfo
	}
	return config.LogFatal
}

// reportSession maps the end of a session to ssh's exit status. Run has
// already printed what ssh prints unconditionally (a lost connection).
func reportSession(log *sshlog.Logger, err error) int {
	var lost *client.ConnectionLostError
	var remoteSignal *client.RemoteSignalError
	var localSignal *client.LocalSignalError
	var failed *client.RequestFailedError
	var serverAlive *client.ServerAliveError
	var disconnected *client.DisconnectedError
	switch {
	case errors.As(err, &lost), errors.As(err, &remoteSignal), errors.Is(err, client.ErrNoExitStatus),
		errors.As(err, &disconnected),
		errors.Is(err, client.ErrDisconnected), // ~.: "Connection to H closed." is out
		errors.Is(err, client.ErrQuit):         // -O exit to this master: ssh says nothing
	case errors.As(err, &serverAlive):
		// ssh's logit: INFO, so -q silences it.
		log.Logf(config.LogInfo, "%s", serverAlive.Error())
	case errors.As(err, &localSignal):
		log.Logf(config.LogVerbose, "%s", localSignal.Error())
	case errors.As(err, &failed):
		log.Logf(config.LogError, "%s", failed.Error())
	default:
		log.Logf(config.LogError, "%s", err)
	}
	return exitFailure
}

// reportMux prints a failure of multiplexing (controlmaster) as ssh
// prints the same failure and returns the exit status: ssh's fatal() for
// -O (made safe like any log line), error() for a passenger, mux.c's
// plain lines, and --timeout's line and status.
func reportMux(ctx context.Context, opts controlmaster.Options, prog string, err error) int {
	var timeout *controlmaster.TimeoutError
	var request *controlmaster.RequestError
	var unsupported *client.UnsupportedError
	var failed *controlmaster.PassengerError
	var ended *controlmaster.EndedError
	var spawn *controlmaster.SpawnError
	var masterFailed *controlmaster.MasterFailedError
	switch {
	case errors.As(err, &timeout):
		if opts.Log.Level() != config.LogQuiet {
			fmt.Fprintf(opts.Stderr, "%s: %v: %s\r\n", prog, context.Cause(ctx), timeout.What)
		}
		return exitTimeout
	case errors.As(err, &request), errors.As(err, &unsupported):
		io.WriteString(opts.Stderr, termsafe.LogLine(err.Error())+"\r\n")
	case errors.As(err, &failed):
		opts.Log.Logf(config.LogError, "%s", failed.Error())
	case errors.As(err, &ended): // logged as it happened
	case errors.As(err, &spawn):
		fmt.Fprintf(opts.Stderr, "%s: %s\r\n", prog, spawn.Error())
	case errors.As(err, &masterFailed):
		io.WriteString(opts.Stderr, masterFailed.Messages)
	default: // ErrNoControlPath, *mux.ListenPathError, *mux.PathTooLongError
		fmt.Fprintf(opts.Stderr, "%s\r\n", err)
	}
	return exitFailure
}

// checkSupported refuses the features of later milestones before any
// connection is made.
func checkSupported(inv *invocation, cfg *config.Config) error {
	unsupported := func(what string) error { return &client.UnsupportedError{Feature: what} }
	switch {
	case cfg.ForkAfterAuthentication && len(inv.Command) == 0 && cfg.RemoteCommand == "" && cfg.SessionType != "none":
		return errForkWithoutCommand // ssh.c's check, before connecting
	case cfg.IdentityFileError != nil:
		return cfg.IdentityFileError
	case inv.Syslog:
		return unsupported("-y (logging to syslog)")
	case cfg.ForkAfterAuthentication && !reexec.Supported:
		return unsupported("-f (ForkAfterAuthentication)")
	case cfg.Tunnel != "" && cfg.Tunnel != "no" && cfg.Tunnel != "false":
		return unsupported("tunnel devices (-w, Tunnel)")
	}
	return checkReconnect(inv, cfg) // tunnel.go
}
