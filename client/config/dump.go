package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// WriteG prints the resolved configuration exactly as `ssh -G` does
// (readconf.c dump_client_config): same keys, order and value spelling.
// It needs a Config returned by Resolve.
func (c *Config) WriteG(w io.Writer) error {
	o := c.opts
	if o == nil {
		return errors.New("config: WriteG needs a Config from Resolve")
	}
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format+"\n", args...) }
	str := func(k string) {
		if v, ok := o.vals[k].(string); ok {
			p("%s %s", k, v)
		}
	}
	num := func(k string) { p("%s %d", k, o.int(k, 0)) }
	flag := func(k string) { p("%s %s", k, fmtState(k, o.int(k, 0))) }

	p("host %s", c.hostArg)
	p("user %s", c.User)
	p("hostname %s", c.HostName)
	p("port %d", c.Port)

	for _, k := range []string{"addressfamily", "batchmode", "canonicalizefallbacklocal",
		"canonicalizehostname", "checkhostip", "compression", "controlmaster",
		"enablesshkeysign", "clearallforwardings", "exitonforwardfailure"} {
		flag(k)
	}
	p("fingerprinthash %s", nameOf(digests, o.int("fingerprinthash", 0)))
	for _, k := range []string{"forwardx11", "forwardx11trusted", "gatewayports",
		"gssapiauthentication", "gssapikeyexchange", "gssapidelegatecredentials",
		"gssapitrustdns", "gssapirenewalforcesrekey"} {
		flag(k)
	}
	str("gssapiclientidentity")
	str("gssapiserveridentity")
	str("gssapikexalgorithms")
	for _, k := range []string{"hashknownhosts", "hostbasedauthentication", "identitiesonly",
		"kbdinteractiveauthentication", "nohostauthenticationforlocalhost",
		"passwordauthentication", "permitlocalcommand", "proxyusefdpass",
		"pubkeyauthentication", "requesttty", "sessiontype", "stdinnull",
		"forkafterauthentication", "streamlocalbindunlink", "stricthostkeychecking",
		"tcpkeepalive", "tunnel", "verifyhostkeydns", "visualhostkey", "updatehostkeys",
		"enableescapecommandline"} {
		flag(k)
	}
	for _, k := range []string{"canonicalizemaxdots", "connectionattempts", "forwardx11timeout",
		"numberofpasswordprompts", "serveralivecountmax", "serveraliveinterval", "requiredrsasize"} {
		num(k)
	}
	for _, k := range []string{"bindaddress", "bindinterface", "ciphers", "controlpath",
		"hostkeyalgorithms", "hostkeyalias", "hostbasedacceptedalgorithms", "identityagent",
		"ignoreunknown", "kbdinteractivedevices", "kexalgorithms", "casignaturealgorithms",
		"localcommand", "remotecommand"} {
		str(k)
	}
	p("loglevel %s", nameOf(logLevels, o.int("loglevel", 0)))
	for _, k := range []string{"macs", "pkcs11provider", "securitykeyprovider",
		"preferredauthentications", "pubkeyacceptedalgorithms", "revokedhostkeys",
		"xauthlocation", "knownhostscommand"} {
		str(k)
	}

	dumpForwards(b, "dynamicforward", o.localForwards)
	dumpForwards(b, "localforward", o.localForwards)
	dumpForwards(b, "remoteforward", o.remoteForwards)

	for _, f := range o.identityFiles {
		p("identityfile %s", f)
	}
	oneline := func(k string, l []string) {
		if len(l) == 0 {
			p("%s none", k)
			return
		}
		p("%s %s", k, strings.Join(l, " "))
	}
	oneline("canonicaldomains", o.lists["canonicaldomains"])
	for _, f := range o.certificateFiles {
		p("certificatefile %s", f)
	}
	oneline("globalknownhostsfile", o.lists["globalknownhostsfile"])
	oneline("userknownhostsfile", o.lists["userknownhostsfile"])
	for _, e := range o.sendEnv {
		p("sendenv %s", e)
	}
	for _, e := range o.setEnv {
		p("setenv %s", e)
	}
	oneline("logverbose", o.lists["logverbose"])

	if l := o.lists["permitremoteopen"]; len(l) == 0 {
		p("permitremoteopen any")
	} else {
		oneline("permitremoteopen", l)
	}
	if ak, _ := o.pair("addkeystoagent"); ak[1] <= 0 {
		p("addkeystoagent %s", fmtState("addkeystoagent", ak[0]))
	} else if ak[0] == 3 {
		p("addkeystoagent confirm %d", ak[1])
	} else {
		p("addkeystoagent %d", ak[1])
	}
	if o.forwardAgentPath != "" {
		p("forwardagent %s", o.forwardAgentPath)
	} else {
		flag("forwardagent")
	}
	if v, ok := o.vals["connecttimeout"].(int); ok {
		p("connecttimeout %d", v)
	} else {
		p("connecttimeout none")
	}
	td, _ := o.pair("tunneldevice")
	p("tunneldevice %s:%s", tunName(td[0]), tunName(td[1]))
	if l := o.lists["canonicalizepermittedcnames"]; len(l) == 0 || strings.EqualFold(l[0], "none") {
		p("canonicalizePermittedcnames none")
	} else {
		p("canonicalizePermittedcnames %s", strings.Join(l, " "))
	}
	if cp, _ := o.pair("controlpersist"); cp[0] == 0 || cp[1] == 0 {
		p("controlpersist %s", fmtState("", cp[0]))
	} else {
		p("controlpersist %d", cp[1])
	}
	if e := o.int("escapechar", '~'); e < 0 {
		p("escapechar none")
	} else {
		p("escapechar %s", vis(byte(e)))
	}
	q, _ := o.pair("ipqos")
	p("ipqos %s %s", iptos2str(q[0]), iptos2str(q[1]))
	p("rekeylimit %d %d", o.vals["rekeylimit"].(int64), o.int("rekeyinterval", 0))
	p("streamlocalbindmask 0%o", o.bindMask)
	p("syslogfacility %s", nameOf(facilities, o.int("syslogfacility", 0)))
	if j := o.jump; j == nil {
		str("proxycommand")
	} else {
		dumpJump(b, j)
	}
	return b.Flush()
}

// fmtState spells a flag or multi-state value as -G does: the first word
// of the keyword's table with that value, or "no"/"yes" for plain flags.
func fmtState(k string, v int) string {
	if kw, ok := keywords[k]; ok && kw.kind == kMulti {
		for _, s := range kw.states {
			if s.val == v {
				return s.word
			}
		}
		return "UNKNOWN"
	}
	if k == "addkeystoagent" {
		for _, s := range statesAddKeys {
			if s.val == v {
				return s.word
			}
		}
	}
	switch v {
	case 0:
		return "no"
	case 1:
		return "yes"
	}
	return "UNKNOWN"
}

func tunName(v int) string {
	if v == tunAny {
		return "any"
	}
	return fmt.Sprint(v)
}

// dumpForwards prints forwards like readconf.c dump_cfg_forwards,
// including its quirk of listing a forward to a socket path under
// dynamicforward too.
func dumpForwards(w io.Writer, k string, fwds []Forward) {
	for _, f := range fwds {
		socks := f.Connect.Path == "" && f.Connect.Host == socksHost
		if k == "dynamicforward" && f.Connect.Host != "" && !socks {
			continue
		}
		if k == "localforward" && socks {
			continue
		}
		if k == "dynamicforward" {
			fmt.Fprintf(w, "%s %s\n", k, f.Listen)
			continue
		}
		fmt.Fprintf(w, "%s %s %s\n", k, f.Listen, f.Connect)
	}
}

func dumpJump(w io.Writer, j *jump) {
	var b strings.Builder
	b.WriteString("proxyjump ")
	if j.extra != "" {
		b.WriteString(j.extra + ",")
	}
	if j.user != "" {
		b.WriteString(j.user + "@")
	}
	numeric := strings.Contains(j.host, ":") || strings.Trim(j.host, "1234567890.") == ""
	if numeric {
		b.WriteString("[" + j.host + "]")
	} else {
		b.WriteString(j.host)
	}
	if j.port > 0 {
		fmt.Fprintf(&b, ":%d", j.port)
	}
	fmt.Fprintln(w, b.String())
}

// vis encodes the escape character like vis(3) with VIS_WHITE, as -G
// prints it: printable characters as is (a backslash doubled), space as
// \040, control characters as \^X and high bytes with \M-.
func vis(c byte) string {
	switch {
	case c == '\\':
		return `\\`
	case c > ' ' && c < 0x7f:
		return string(c)
	case c == ' ':
		return `\040`
	}
	var b strings.Builder
	b.WriteByte('\\')
	if c&0x80 != 0 {
		c &= 0x7f
		b.WriteByte('M')
	}
	switch {
	case c < ' ' || c == 0x7f:
		b.WriteByte('^')
		if c == 0x7f {
			b.WriteByte('?')
		} else {
			b.WriteByte(c + '@')
		}
	default:
		b.WriteByte('-')
		b.WriteByte(c)
	}
	return b.String()
}
