package config

// ParseForward parses a forwarding as typed after -L, -R or -D (misc.c
// parse_forward, without ${VAR} expansion, as ssh's ~C command line
// parses it) and returns it in the notation of Config.LocalForwards and
// its siblings: "LISTEN CONNECT", or "LISTEN" alone for a dynamic
// forwarding. A dynamic spec has one or two fields ("[bind:]port"),
// which is also the form of a forwarding to cancel. ok is false for a
// spec ssh rejects.
func ParseForward(spec string, dynamic, remote bool) (s string, ok bool) {
	f, ok := parseForward(spec, dynamic, remote, nil)
	if !ok {
		return "", false
	}
	return fwdString(f, f.connectHost != "socks"), true
}
