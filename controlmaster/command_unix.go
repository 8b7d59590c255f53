//go:build unix

package controlmaster

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/mux"
)

// command is Command on Unix: ssh -O's check, exit, stop, forward,
// cancel, and OpenSSH 10.3's conninfo and channels.
func command(opts Options) (Reply, error) {
	cfg, log, cmd, path := opts.Config, opts.Log, opts.ControlCommand, opts.Config.ControlPath
	if path == "" {
		return Reply{}, ErrNoControlPath
	}
	// ssh's fatal: cmd/gssh makes the master's reasons safe like any log
	// line.
	fatal := func(err error, format string, args ...any) error {
		return &RequestError{Msg: fmt.Sprintf(format, args...), Err: err}
	}
	c, err := mux.Dial(path)
	var long *mux.PathTooLongError
	var dialErr *mux.DialError
	switch {
	case errors.As(err, &long):
		return Reply{}, fatal(err, "%s", long.Error())
	case errors.As(err, &dialErr):
		return Reply{}, fatal(err, "Control socket connect(%.100s): %s", path, config.Strerror(dialErr.Err))
	case err != nil:
		return Reply{}, fatal(err, "muxclient: master hello exchange failed")
	}
	defer c.Close()
	var refused *mux.ReplyError
	denied := func(err error) bool {
		return errors.As(err, &refused) && refused.Type == mux.MsgPermissionDenied
	}
	switch cmd {
	case "check":
		pid, err := c.AliveCheck()
		switch {
		case errors.As(err, &refused):
			return Reply{}, fatal(err, "mux_client_request_alive: master returned error: %s", refused.Reason)
		case err != nil:
			return Reply{}, fatal(err, "muxclient: master alive check failed")
		}
		return Reply{PID: pid}, nil
	case "exit":
		err := c.Terminate()
		switch {
		case denied(err):
			return Reply{}, fatal(err, "Master refused termination request: %s", refused.Reason)
		case errors.As(err, &refused):
			return Reply{}, fatal(err, "mux_client_request_terminate: termination request failed: %s", refused.Reason)
		case err != nil:
			return Reply{}, fatal(err, "mux_client_request_terminate: %v", err)
		}
	case "stop":
		err := c.StopListening()
		switch {
		case denied(err):
			return Reply{}, fatal(err, "Master refused stop listening request: %s", refused.Reason)
		case errors.As(err, &refused):
			return Reply{}, fatal(err, "mux_client_request_stop_listening: stop listening request failed: %s", refused.Reason)
		case err != nil:
			return Reply{}, fatal(err, "mux_client_request_stop_listening: %v", err)
		}
	case "forward", "cancel":
		cancel := cmd == "cancel"
		var ports strings.Builder
		ok, err := requestForwards(c, configForwards(cfg), cancel, cfg.GatewayPorts, &ports, log)
		reply := Reply{Output: ports.String()}
		if err != nil {
			return reply, fatal(err, "mux_client_forward: %v", err)
		}
		failed := !ok
		if failed && !cancel {
			return reply, fatal(nil, "muxclient: master forward request failed")
		}
		if failed {
			log.Logf(config.LogError, "muxclient: master cancel forward request failed")
		}
		return reply, nil
	case "conninfo", "channels":
		text, err := c.Info(cmd)
		switch {
		case errors.As(err, &refused):
			return Reply{}, fatal(err, "mux_client_request_info: %s request failed: %s", cmd, refused.Reason)
		case err != nil:
			return Reply{}, fatal(err, "mux_client_request_info: %v", err)
		}
		return Reply{Output: text}, nil
	default: // proxy
		return Reply{}, &client.UnsupportedError{Feature: "-O " + cmd}
	}
	return Reply{}, nil
}
