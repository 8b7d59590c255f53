package config

import (
	"fmt"
	"strings"
)

// Hop is one ProxyJump host: "[user@]host[:port]" or an ssh:// URI.
// User is "" and Port is 0 when not given, so that the hop's own
// configuration decides them, as ssh(1) passes -l and -p only when set.
type Hop struct {
	User string
	Host string
	Port int
}

// JumpHops splits a ProxyJump value (Config.ProxyJump) into its hops,
// the first one dialled first. "none" and "" give no hops.
func JumpHops(spec string) ([]Hop, error) {
	if optionNone(spec) {
		return nil, nil
	}
	var hops []Hop
	for _, s := range strings.Split(spec, ",") {
		user, host, port, ok := parseUserHostPort(strings.TrimSpace(s))
		if !ok {
			return nil, fmt.Errorf("config: invalid ProxyJump hop %q", s)
		}
		hops = append(hops, Hop{User: user, Host: host, Port: max(port, 0)})
	}
	return hops, nil
}

// ProxyCommandLine is ProxyCommand with its tokens expanded (%%, %h, %n,
// %p, %r: ssh_config(5) lists no others for it), ready for "sh -c". It is
// "" when no ProxyCommand is set.
func (c *Config) ProxyCommandLine() (string, error) {
	if optionNone(c.ProxyCommand) {
		return "", nil
	}
	s, err := percentExpand(c.ProxyCommand, map[byte]string{
		'h': c.HostName,
		'n': c.hostArg,
		'p': fmt.Sprint(c.Port),
		'r': c.User,
	})
	if err != nil {
		return "", fmt.Errorf("config: ProxyCommand: %w", err)
	}
	return s, nil
}
