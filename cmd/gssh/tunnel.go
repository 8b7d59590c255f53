package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/internal/reexec"
	"github.com/gssh/gssh/reconnect"
	"github.com/gssh/gssh/tunnel"
)

// errReconnectNeedsN refuses --reconnect for anything but a tunnel: a
// remote command, a shell or -W's stream cannot be resumed on a new
// connection, and -O talks to a master rather than connecting.
var errReconnectNeedsN = errors.New("gssh: --reconnect needs -N: a command, a shell, -W or -O cannot be resumed on a new connection")

// checkReconnect is --reconnect's part of checkSupported: it needs -N
// (or SessionType none) and no -W or -O.
func checkReconnect(inv *invocation, cfg *config.Config) error {
	if !inv.Reconnect {
		return nil
	}
	if cfg.SessionType != "none" || inv.StdioForward != "" || inv.ControlCommand != "" {
		return errReconnectNeedsN
	}
	return nil
}

// noMultiplexing keeps a --reconnect tunnel on a connection of its own:
// a master's passengers cannot follow it to a new connection, and as a
// passenger it would have no connection to restore.
func noMultiplexing(cfg *config.Config) {
	cfg.ControlMaster = config.ControlMasterNo
	cfg.ControlPath = ""
	cfg.ControlPersist = 0
}

// runTunnel is gssh --reconnect after the first dial (conn, or the
// error dialErr): package tunnel holds the forwardings across
// connections, and its errors become messages and exit statuses here.
func runTunnel(ctx context.Context, inv *invocation, cfg *config.Config, conn *client.Conn, dialErr error,
	child *reexec.Report, st client.Streams, logOut io.Writer, prog string, log *sshlog.Logger, live *liveProcess) int {
	err := tunnel.Run(ctx, tunnel.Options{
		Config:   cfg,
		Log:      log,
		First:    conn,
		FirstErr: dialErr,
		Dial: func(ctx context.Context) (*client.Conn, error) {
			// No prompter: an unattended attempt must not ask.
			return client.Dial(ctx, cfg, client.DialOptions{Log: log, ResolveJump: jumpResolver(inv, cfg)})
		},
		Policy:   reconnect.Policy{MaxAttempts: inv.ReconnectMax, RetryFirst: inv.ReconnectFirst},
		Notifier: tunnel.NewNotifier(log),
		Describe: errorLine,
		Ready: func() {
			child.Send(reexec.Ready, "")
			runLocalCommand(cfg, st, log) // localcommand.go
		},
		// The registry of live processes (sessions.go) follows each
		// connection, and --end ends the tunnel rather than one of its
		// connections.
		Connected: live.connected,
		End:       live.endRequests(),
	})
	var gaveUp *tunnel.GaveUpError
	var fwdErr *forward.Error
	var signal *client.LocalSignalError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, dialErr) && conn == nil:
		return reportDial(ctx, dialErr, logOut, prog, cfg, log) // the gate: as ssh
	case expired(ctx) != nil:
		// --timeout bounds a tunnel too.
		if log.Level() != config.LogQuiet {
			fmt.Fprintf(logOut, "%s: %v: tunnel closed\r\n", prog, expired(ctx))
		}
		return exitTimeout
	case errors.Is(err, tunnel.ErrEnded):
		return exitFailure // --end printed its line
	case errors.As(err, &gaveUp):
		return exitFailure // its line is out
	case errors.As(err, &fwdErr):
		if log.Level() == config.LogQuiet {
			return exitFailure
		}
		return report(logOut, prog, err)
	case errors.As(err, &signal):
		log.Logf(config.LogVerbose, "%s", signal.Error())
		return exitFailure
	}
	log.Logf(config.LogError, "%s", err)
	return exitFailure
}

// notifySystemd is the systemd notification of a plain -N connection
// (without --reconnect): READY=1 once its forwardings are up, and
// WATCHDOG=1 while its keepalive watchdog vouches for the server, until
// ctx ends. Without NOTIFY_SOCKET it does nothing.
func notifySystemd(ctx context.Context, conn *client.Conn, log *sshlog.Logger) {
	n := tunnel.NewNotifier(log)
	if n == nil {
		return
	}
	n.Ready(fmt.Sprintf("Connected to %s port %d", conn.Config.HostName, conn.Config.Port))
	crash.Go(func() { n.Watch(ctx, tunnel.Healthy(conn)) })
}

// errorLine is an error as the tunnel's lines quote it: the first line ssh
// would print for it, without the program name, not yet made safe for
// the terminal (the logger does that once).
func errorLine(err error) string {
	var jump *client.JumpError
	var disconnected *client.DisconnectedError
	var connectErr *client.ConnectError
	var resolveErr *client.ResolveError
	switch {
	case errors.As(err, &jump):
		return errorLine(jump.Err)
	case errors.As(err, &disconnected):
		received, _ := disconnected.Lines()
		return received
	case errors.As(err, &connectErr), errors.As(err, &resolveErr):
		return strings.TrimPrefix(err.Error(), "ssh: ")
	}
	line, _, _ := strings.Cut(err.Error(), "\r\n")
	return line
}
