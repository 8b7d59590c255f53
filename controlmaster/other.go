//go:build !unix

package controlmaster

import (
	"context"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
)

// unsupported refuses multiplexing where there are no Unix-domain
// sockets with descriptor passing.
func unsupported() error {
	return &client.UnsupportedError{Feature: "multiplexing (ControlMaster, ControlPath, -O) on this system"}
}

// run refuses multiplexing; without ControlPath, or with ControlMaster
// no, gssh connects directly.
func run(_ context.Context, opts Options) (int, error) {
	if opts.Config.ControlPath == "" || opts.Config.ControlMaster == config.ControlMasterNo {
		return 0, ErrConnectDirectly
	}
	return 0, unsupported()
}

// command refuses -O.
func command(Options) (Reply, error) { return Reply{}, unsupported() }

// serve is never reached: no background master is started here.
func serve(context.Context, Options) error { return unsupported() }

// start makes no master: run has refused master roles.
func start(Options) (*Master, error) { return nil, nil }

// dialProxy refuses -O proxy.
func dialProxy(context.Context, Options) (*client.Conn, error) { return nil, unsupported() }
