//go:build !unix

package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// runMux refuses multiplexing where there are no Unix-domain sockets with
// descriptor passing; without ControlPath or -O gssh connects directly.
func runMux(ctx context.Context, argv []string, inv *invocation, cfg *config.Config, st client.Streams, logOut io.Writer, log *sshlog.Logger, _ *os.File) (int, bool) {
	if inv.ControlCommand == "" && (cfg.ControlPath == "" || cfg.ControlMaster == "no" || cfg.ControlMaster == "") {
		return 0, false
	}
	fmt.Fprintf(logOut, "%s\r\n", (&client.UnsupportedError{Feature: "multiplexing (ControlMaster, ControlPath, -O) on this system"}).Error())
	return exitFailure, true
}

// startMaster does nothing: runMux has refused master roles.
func startMaster(conn *client.Conn, cfg *config.Config, log *sshlog.Logger) (func(), func(*client.Forwarding)) {
	return func() {}, func(*client.Forwarding) {}
}

// muxForkOK: -f exists only as the background master, which needs Unix.
func muxForkOK(cfg *config.Config) bool { return false }
