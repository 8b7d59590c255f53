//go:build unix

package controlmaster

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/mux"
)

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
// RemoteForward into mux forwardings, local ones first as
// mux_client_forwards sends them. A forwarding without a destination
// (-D, and -R as a SOCKS proxy) names "socks" port 0 as its destination,
// as config holds it and readconf.c parse_forward records it: an OpenSSH
// master refuses a dynamic forwarding without a host ("No forward host
// name.") and compares it with its own by it.
func configForwards(cfg *config.Config) []mux.Forward {
	if cfg.ClearAllForwardings {
		return nil
	}
	kinds := map[config.ForwardKind]mux.ForwardKind{
		config.ForwardLocal: mux.ForwardLocal, config.ForwardRemote: mux.ForwardRemote, config.ForwardDynamic: mux.ForwardDynamic,
	}
	// A Unix socket path goes in the host field, with port PortStreamLocal.
	endpoint := func(e config.Endpoint) (string, uint32) {
		if e.Path != "" {
			return e.Path, mux.PortStreamLocal
		}
		return e.Host, uint32(e.Port)
	}
	var out []mux.Forward
	for _, list := range [][]config.Forward{cfg.LocalForwards, cfg.DynamicForwards, cfg.RemoteForwards} {
		for _, f := range list {
			m := mux.Forward{Kind: kinds[f.Kind]}
			m.ListenHost, m.ListenPort = endpoint(f.Listen)
			m.ConnectHost, m.ConnectPort = endpoint(f.Connect)
			out = append(out, m)
		}
	}
	return out
}

// configForward is the forwarding of a MUX_C_OPEN_FWD or MUX_C_CLOSE_FWD
// as config holds it. mux.c sends "" for the default bind address and "*"
// for all addresses, as config does; a port of PortStreamLocal makes the
// host a Unix socket path. A dynamic forwarding, and one whose
// destination port is 0 (a dynamic -R, whose host is "socks" or nothing;
// mux.c refuses it for -L), connects to "socks" port 0.
func configForward(f mux.Forward) config.Forward {
	kind := map[mux.ForwardKind]config.ForwardKind{
		mux.ForwardLocal: config.ForwardLocal, mux.ForwardRemote: config.ForwardRemote, mux.ForwardDynamic: config.ForwardDynamic,
	}[f.Kind]
	endpoint := func(host string, port uint32) config.Endpoint {
		if port == mux.PortStreamLocal {
			return config.Endpoint{Path: host}
		}
		return config.Endpoint{Host: host, Port: int(port)}
	}
	c := config.Forward{Kind: kind, Listen: endpoint(f.ListenHost, f.ListenPort), Connect: config.Endpoint{Host: "socks"}}
	if f.Kind != mux.ForwardDynamic && f.ConnectPort != 0 {
		c.Connect = endpoint(f.ConnectHost, f.ConnectPort)
	}
	return c
}
