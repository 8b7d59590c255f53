package config

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// environment is what resolution needs from the outside world, taken from
// the Request or the process once so the rest of the package is pure.
type environment struct {
	home, localUser, uid, thishost string
	env                            map[string]string
	useProcessEnv                  bool
	lookupHost                     func(string) ([]string, error)
}

func (e *environment) lookupEnv(name string) (string, bool) {
	if e.useProcessEnv {
		return os.LookupEnv(name)
	}
	v, ok := e.env[name]
	return v, ok
}

func (e *environment) environ() []string {
	if e.useProcessEnv {
		return os.Environ()
	}
	out := make([]string, 0, len(e.env))
	for k, v := range e.env {
		out = append(out, k+"="+v)
	}
	return out
}

// exec runs a Match exec command with the user's shell.
func (e *environment) exec(cmd string) (bool, error) {
	shell, ok := e.lookupEnv("SHELL")
	if !ok || shell == "" {
		shell = "/bin/sh"
	}
	return runShell(shell, cmd, e.environ())
}

func newEnvironment(req *Request) (*environment, error) {
	e := &environment{env: req.Env, useProcessEnv: req.Env == nil, home: req.HomeDir,
		localUser: req.LocalUser, uid: uidString(), lookupHost: req.LookupHost}
	if e.home == "" || e.localUser == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("config: current user: %w", err)
		}
		if e.home == "" {
			e.home = u.HomeDir
		}
		if e.localUser == "" {
			e.localUser = u.Username
		}
	}
	h, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("config: gethostname: %w", err)
	}
	e.thishost = h
	if e.lookupHost == nil {
		e.lookupHost = net.LookupHost
	}
	return e, nil
}

// Resolve reads the configuration for a connection to req.Host the way
// ssh(1) does and returns the resolved settings. Errors in configuration
// lines are *ParseError values; other failures (unreadable -F file, a
// failing Match exec, an undefined % token) are wrapped errors.
func Resolve(req Request) (*Config, error) {
	env, err := newEnvironment(&req)
	if err != nil {
		return nil, err
	}
	o := newOptions()
	p := &parser{env: env, o: o, host: req.Host, originalHost: req.Host}
	if err := p.commandLine(&req); err != nil {
		return nil, err
	}
	if err := p.readFiles(&req); err != nil {
		return nil, err
	}

	// ssh.c: HostName may use %h, then the name is canonicalised and
	// lowercased.
	host := req.Host
	if o.has("hostname") {
		h, err := percentExpand(o.str("hostname", ""), map[byte]string{'h': host})
		if err != nil {
			return nil, expandFatal(err, "percent_expand")
		}
		host = h
		o.vals["hostname"] = h
	}
	host, canonical, err := p.canonicalize(host)
	if err != nil {
		return nil, err
	}
	if !canonical {
		host = strings.ToLower(host)
		if err := p.checkCNAMEHost(host); err != nil {
			return nil, err
		}
	}
	if o.int("canonicalizehostname", 0) != 0 {
		p.wantFinal = true
	}
	if p.wantFinal {
		o.vals["hostname"] = host
		p.host = host
		p.finalPass = true
		if err := p.readFiles(&req); err != nil {
			return nil, err
		}
	}
	r, err := finish(o, env, req.Host, host)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readFiles reads the -F file, or the user and system files (ssh.c
// process_config_files).
func (p *parser) readFiles(req *Request) error {
	user := lineFlags{userConf: true}
	switch req.ConfigFile {
	case "none":
		return nil
	case "":
		active := true
		path := filepath.Join(p.env.home, ".ssh", "config")
		if _, err := p.readFile(path, user, true, &active); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		sys := req.SystemConfig
		if sys == "" {
			sys = "/etc/ssh/ssh_config"
		}
		active = true
		if _, err := p.readFile(sys, lineFlags{}, false, &active); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	default:
		active := true
		found, err := p.readFile(req.ConfigFile, user, false, &active)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if !found {
			_, statErr := os.Stat(req.ConfigFile)
			return &OpenError{Path: req.ConfigFile, Err: statErr}
		}
	}
	return nil
}

// canonicalize applies CanonicalizeHostname (ssh.c resolve_canonicalize).
// IP literals are normalised; names with few enough dots are tried with
// each CanonicalDomains suffix. gssh does not follow CNAMEs
// (CanonicalizePermittedCNAMEs is parsed but not acted on).
func (p *parser) canonicalize(host string) (string, bool, error) {
	o := p.o
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), true, nil
	}
	mode := o.int("canonicalizehostname", 0)
	if mode == 0 {
		return host, false, nil
	}
	direct := optionNone(o.str("proxycommand", "")) && (o.jump == nil || o.jump.host == "none")
	if !direct && mode != canonAlways {
		return host, false, nil
	}
	try := func(name string) bool {
		addrs, err := p.env.lookupHost(name)
		return err == nil && len(addrs) > 0
	}
	if strings.HasSuffix(host, ".") {
		if try(host) {
			return strings.TrimSuffix(host, "."), true, nil
		}
	} else if strings.Count(host, ".") <= o.int("canonicalizemaxdots", 1) {
		for _, d := range o.lists["canonicaldomains"] {
			if strings.EqualFold(d, "none") {
				break
			}
			full := host + "." + d + "."
			if try(full) {
				return strings.TrimSuffix(full, "."), true, nil
			}
		}
	} else {
		return host, false, nil
	}
	if o.int("canonicalizefallbacklocal", 1) == 0 {
		return "", false, &FatalError{Lines: []string{fmt.Sprintf("Could not resolve host \"%s\"", host)}, Prog: true}
	}
	return host, false, nil
}

// checkCNAMEHost mirrors ssh.c main: with CanonicalizePermittedCNAMEs set
// and no canonical name found, ssh resolves the bare name anyway (to follow
// CNAMEs, which gssh does not) when connecting directly or with
// CanonicalizeHostname=always, and gives up when a direct connection's
// name does not resolve — even for -G.
func (p *parser) checkCNAMEHost(host string) error {
	o := p.o
	l := o.lists["canonicalizepermittedcnames"]
	if len(l) == 0 || strings.EqualFold(l[0], "none") {
		return nil
	}
	direct := optionNone(o.str("proxycommand", "")) && (o.jump == nil || o.jump.host == "none")
	if !direct {
		return nil
	}
	if addrs, err := p.env.lookupHost(host); err != nil || len(addrs) == 0 {
		return &FatalError{Lines: []string{fmt.Sprintf("Could not resolve hostname %s: Name or service not known", host)}, Prog: true}
	}
	return nil
}

// optionNone is ssh.c option_clear_or_none.
func optionNone(s string) bool { return s == "" || strings.EqualFold(s, "none") }
