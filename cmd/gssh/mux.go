package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/controlmaster"
	"github.com/gssh/gssh/internal/reexec"
)

// runMux is what multiplexing does before gssh connects on its own, in
// the order of ssh.c: a re-executed background master serves, -O
// commands run, and controlmaster.Run takes the session to a master.
// done=false means: connect directly. daemon is the report of a
// re-executed background master (reexec.Take).
func runMux(ctx context.Context, prog string, opts controlmaster.Options, daemon *reexec.Report) (status int, done bool) {
	switch {
	case daemon != nil:
		return serveMaster(ctx, prog, opts, daemon), true
	case opts.ControlCommand == "proxy":
		// ssh -O proxy: the session runs as on a direct connection,
		// over the master (dialConn).
		return 0, false
	case opts.ControlCommand != "":
		return controlCommand(ctx, prog, opts), true
	}
	status, err := controlmaster.Run(ctx, opts)
	switch {
	case errors.Is(err, controlmaster.ErrConnectDirectly):
		return 0, false
	case err != nil:
		return reportMux(ctx, opts, prog, err), true
	}
	return status, true
}

// serveMaster is the background master: it tells the gssh that started
// it that it is ready, that another master holds the socket, or why it
// failed, in the messages that gssh prints for it.
func serveMaster(ctx context.Context, prog string, opts controlmaster.Options, daemon *reexec.Report) int {
	opts.Ready = func() { daemon.Send(reexec.Ready, "") }
	err := controlmaster.Serve(ctx, opts)
	var listen *controlmaster.ListenError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &listen) && listen.Taken:
		daemon.Send(reexec.Exists, "")
	case errors.As(err, &listen):
		daemon.Send(reexec.Failed, err.Error()+"\r\n")
	default:
		var msg bytes.Buffer
		if opts.Log.Level() != config.LogQuiet {
			report(&msg, prog, err)
		}
		daemon.Send(reexec.Failed, msg.String())
	}
	return exitFailure
}

// controlCommand is ssh -O: the master's answer as ssh prints it.
func controlCommand(ctx context.Context, prog string, opts controlmaster.Options) int {
	reply, err := controlmaster.Command(opts)
	io.WriteString(opts.Streams.Stdout, reply.Output)
	if err != nil {
		return reportMux(ctx, opts, prog, err)
	}
	quiet := opts.Log.Level() == config.LogQuiet
	switch {
	case opts.ControlCommand == "check":
		fmt.Fprintf(opts.Stderr, "Master running (pid=%d)\r\n", reply.PID)
	case opts.ControlCommand == "exit" && !quiet:
		fmt.Fprintf(opts.Stderr, "Exit request sent.\r\n")
	case opts.ControlCommand == "stop" && !quiet:
		fmt.Fprintf(opts.Stderr, "Stop listening request sent.\r\n")
	}
	return 0
}
