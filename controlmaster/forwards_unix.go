//go:build unix

package controlmaster

import (
	"errors"
	"fmt"
	"io"
	"strconv"
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
// RemoteForward lines ("LISTEN CONNECT", as ssh -G prints them) into
// mux forwardings, local ones first as mux_client_forwards sends them.
// A forwarding without a destination (-D, and -R as a SOCKS proxy)
// names "socks" port 0 as its destination, as readconf.c parse_forward
// records it: an OpenSSH master refuses a dynamic forwarding without a
// host ("No forward host name.") and compares it with its own by it.
func configForwards(cfg *config.Config) []mux.Forward {
	if cfg.ClearAllForwardings {
		return nil
	}
	var out []mux.Forward
	add := func(kind mux.ForwardKind, lines []string) {
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			f := mux.Forward{Kind: kind}
			f.ListenHost, f.ListenPort = fwdEndpoint(fields[0], true)
			if len(fields) > 1 {
				f.ConnectHost, f.ConnectPort = fwdEndpoint(fields[1], false)
			} else {
				f.ConnectHost = "socks"
			}
			out = append(out, f)
		}
	}
	add(mux.ForwardLocal, cfg.LocalForwards)
	add(mux.ForwardDynamic, cfg.DynamicForwards)
	add(mux.ForwardRemote, cfg.RemoteForwards)
	return out
}

// fwdEndpoint parses "[host]:port", "host:port", "port" (listen side
// only) or a Unix socket path.
func fwdEndpoint(s string, listen bool) (string, uint32) {
	if strings.Contains(s, "/") {
		return s, mux.PortStreamLocal
	}
	host, port, ok := cutHostPort(s)
	if !ok && listen {
		host, port = "", s
	}
	n, _ := strconv.ParseUint(port, 10, 16)
	return strings.Trim(host, "[]"), uint32(n)
}
