package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
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
	var unsupported *notSupportedError
	var jump *client.JumpError
	var name *config.NameError
	var fatal *config.FatalError
	line := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\r\n", args...) }
	switch {
	case errors.As(err, &jump):
		return reportJump(stderr, prog, jump) // forward.go
	case errors.As(err, &parseErr) && errors.As(parseErr.Err, &name):
		// A command-line ProxyJump hop with a bad name (names.go).
		line("%s", nameMessage(name))
		line("%s", logVis(parseErr.Error()))
	case errors.As(err, &name):
		line("%s", nameMessage(name))
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
		line("Can't open user config file %s: %s", openErr.Path, strerror(openErr.Err))
	case errors.As(err, &connectErr), errors.As(err, &resolveErr):
		line("%s: %s", prog, strings.TrimPrefix(err.Error(), "ssh: "))
	case errors.As(err, &unsupported):
		line("%s: %s is not supported yet", prog, unsupported.what)
	default:
		line("%s", err)
	}
	return exitFailure
}

// reportSession maps the end of a session to ssh's exit status. Run has
// already printed what ssh prints unconditionally (a lost connection).
func reportSession(log *client.Logger, err error) int {
	var lost *client.ConnectionLostError
	var remoteSignal *client.RemoteSignalError
	var localSignal *client.LocalSignalError
	var failed *client.RequestFailedError
	var serverAlive *client.ServerAliveError
	switch {
	case errors.As(err, &lost), errors.As(err, &remoteSignal), errors.Is(err, client.ErrNoExitStatus),
		errors.Is(err, client.ErrDisconnected): // ~.: "Connection to H closed." is out
	case errors.As(err, &serverAlive):
		// ssh's logit: INFO, so -q silences it.
		log.Logf(client.LevelInfo, "%s", serverAlive.Error())
	case errors.As(err, &localSignal):
		log.Logf(client.LevelVerbose, "%s", localSignal.Error())
	case errors.As(err, &failed):
		log.Logf(client.LevelError, "%s", failed.Error())
	default:
		log.Logf(client.LevelError, "%s", err)
	}
	return exitFailure
}

// logLevel maps ssh_config's LogLevel names to the client's levels.
func logLevel(name string) client.Level {
	switch strings.ToUpper(name) {
	case "QUIET", "SILENT":
		return client.LevelQuiet
	case "FATAL":
		return client.LevelFatal
	case "ERROR":
		return client.LevelError
	case "VERBOSE":
		return client.LevelVerbose
	case "DEBUG", "DEBUG1":
		return client.LevelDebug1
	case "DEBUG2":
		return client.LevelDebug2
	case "DEBUG3":
		return client.LevelDebug3
	default:
		return client.LevelInfo
	}
}

// notSupportedError names a feature gssh accepts on the command line or in
// ssh_config but does not implement yet. Failing loudly is deliberate: a
// silently ignored -L or ControlMaster would leave a caller waiting for a
// tunnel or master that never comes.
type notSupportedError struct {
	what string
}

func (e *notSupportedError) Error() string {
	return e.what + " is not supported yet"
}

// checkSupported refuses the features of later milestones before any
// connection is made.
func checkSupported(inv *invocation, cfg *config.Config) error {
	unsupported := func(what string) error { return &notSupportedError{what} }
	switch {
	case cfg.ForkAfterAuthentication && len(inv.Command) == 0 && cfg.RemoteCommand == "" && cfg.SessionType != "none":
		return errForkWithoutCommand // ssh.c's check, before connecting
	case cfg.IdentityFileError != nil:
		return cfg.IdentityFileError
	case inv.Syslog:
		return unsupported("-y (logging to syslog)")
	case cfg.ForkAfterAuthentication && !canFork(cfg) && !muxForkOK(cfg):
		return unsupported("-f (ForkAfterAuthentication)")
	case cfg.ForwardX11:
		return unsupported("X11 forwarding (-X, -Y, ForwardX11)")
	case cfg.Tunnel != "" && cfg.Tunnel != "no" && cfg.Tunnel != "false":
		return unsupported("tunnel devices (-w, Tunnel)")
	}
	return nil
}
