package config

import (
	"fmt"
	"os"
	"strings"
)

// gsshServerAliveInterval is gssh's keepalive when the configuration sets
// none (OpenSSH's default is 0, off): a dead server is noticed within a
// minute instead of hanging until TCP gives up.
const gsshServerAliveInterval = 15

// defaults are OpenSSH 9.2's values (readconf.c fill_default_options, with
// Debian's ForwardX11Trusted and IPQoS changes) for keywords the
// configuration left unset.
var defaults = map[string]any{
	"forwardagent": 0, "forwardx11": 0, "forwardx11trusted": 1, "forwardx11timeout": 1200,
	"exitonforwardfailure": 0, "clearallforwardings": 0, "xauthlocation": "/usr/bin/xauth",
	"gatewayports": 0, "pubkeyauthentication": 1,
	"gssapiauthentication": 0, "gssapikeyexchange": 0, "gssapidelegatecredentials": 0,
	"gssapitrustdns": 0, "gssapirenewalforcesrekey": 0, "gssapikexalgorithms": gssKexDefault,
	"passwordauthentication": 1, "kbdinteractiveauthentication": 1, "hostbasedauthentication": 0,
	"batchmode": 0, "checkhostip": 0, "stricthostkeychecking": strictAsk, "compression": 0,
	"tcpkeepalive": 1, "addressfamily": afAny, "connectionattempts": 1,
	"numberofpasswordprompts": 3, "addkeystoagent": []int{0, 0}, "loglevel": logInfo,
	"syslogfacility": facilityUser, "nohostauthenticationforlocalhost": 0, "identitiesonly": 0,
	"serveralivecountmax": 3, "serveraliveinterval": gsshServerAliveInterval,
	"controlmaster": ctlNo, "controlpersist": []int{0, 0}, "hashknownhosts": 0, "tunnel": 0,
	"tunneldevice": []int{tunAny, tunAny}, "permitlocalcommand": 0, "visualhostkey": 0,
	"ipqos": []int{0x10, 0x08}, "requesttty": ttyAuto, "sessiontype": sessDefault,
	"stdinnull": 0, "forkafterauthentication": 0, "proxyusefdpass": 0,
	"canonicalizemaxdots": 1, "canonicalizefallbacklocal": 1, "canonicalizehostname": 0,
	"fingerprinthash": digestSHA256, "securitykeyprovider": "internal", "requiredrsasize": 1024,
	"enableescapecommandline": 0, "streamlocalbindunlink": 0, "verifyhostkeydns": 0,
	"enablesshkeysign": 0, "rekeylimit": int64(0), "rekeyinterval": 0, "escapechar": int('~'),
	"port": 22,
}

// defaultIdentityFiles are tried when no IdentityFile is configured.
var defaultIdentityFiles = []string{"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk",
	"~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa"}

// algoKeywords are the algorithm lists assembled against their defaults.
var algoKeywords = []string{"ciphers", "macs", "kexalgorithms", "hostkeyalgorithms",
	"hostbasedacceptedalgorithms", "pubkeyacceptedalgorithms", "casignaturealgorithms"}

// finish fills defaults and expands tokens as fill_default_options and
// ssh.c main do before -G prints, then builds the Config.
func finish(o *options, env *environment, hostArg, host string) (*Config, error) {
	// UpdateHostKeys defaults on only with the standard known_hosts file;
	// OpenSSH decides this before filling the known_hosts defaults.
	if !o.has("updatehostkeys") {
		files, set := o.lists["userknownhostsfile"]
		v := 0
		if o.int("verifyhostkeydns", 0) <= 0 && (!set || (len(files) == 1 && files[0] == "~/.ssh/known_hosts")) {
			v = 1
		}
		o.vals["updatehostkeys"] = v
	}
	o.identityFilesSet = len(o.identityFiles) > 0
	// ssh.c orders the list by the keys already known unless the user
	// wrote it out in full: a list that only adds or removes ("+", "-")
	// is ordered like the default.
	hka := o.str("hostkeyalgorithms", "")
	o.hostKeyAlgosSet = o.has("hostkeyalgorithms") && !strings.HasPrefix(hka, "+") && !strings.HasPrefix(hka, "-")
	o.ciphersSet = o.has("ciphers")
	o.serverAliveSet = o.has("serveraliveinterval")
	for k, v := range defaults {
		o.setOnce(k, v)
	}
	if o.int("connectionattempts", 1) <= 0 {
		return nil, fatal("Invalid number of ConnectionAttempts")
	}
	if o.bindMask < 0 {
		o.bindMask = 0o177
	}
	if o.int("clearallforwardings", 0) == 1 {
		o.localForwards, o.remoteForwards = nil, nil
	}
	if len(o.identityFiles) == 0 {
		o.identityFiles = append([]string(nil), defaultIdentityFiles...)
	}
	if _, ok := o.lists["globalknownhostsfile"]; !ok {
		o.lists["globalknownhostsfile"] = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
	}
	if _, ok := o.lists["userknownhostsfile"]; !ok {
		o.lists["userknownhostsfile"] = []string{"~/.ssh/known_hosts", "~/.ssh/known_hosts2"}
	}
	for _, k := range []string{"localcommand", "remotecommand", "proxycommand", "controlpath",
		"revokedhostkeys", "pkcs11provider", "securitykeyprovider", "knownhostscommand"} {
		if strings.EqualFold(o.str(k, ""), "none") {
			delete(o.vals, k)
		}
	}
	if o.jump != nil && o.jump.host == "none" && o.jump.port <= 0 && o.jump.user == "" {
		o.jump = nil
	}
	for _, k := range algoKeywords {
		list, err := keywords[k].algos.assemble(o.str(k, ""))
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", k, err)
		}
		o.vals[k] = strings.Join(list, ",")
	}
	o.setOnce("user", env.localUser)
	if a := o.str("hostkeyalias", ""); a != "" {
		o.vals["hostkeyalias"] = strings.ToLower(a)
	}
	if err := expandAll(o, env, hostArg, host); err != nil {
		return nil, err
	}
	return buildConfig(o, env, hostArg, host)
}

// expandAll performs the expansions ssh.c applies before -G prints:
// RemoteCommand gets % tokens; ControlPath, IdentityAgent, a ForwardAgent
// socket and UserKnownHostsFile get ~, % tokens and ${ENV}; Unix-socket
// forwarding paths get % tokens. RevokedHostKeys is used verbatim in 9.2.
// IdentityFile, CertificateFile, ProxyCommand and LocalCommand stay
// unexpanded here, as in OpenSSH, and are expanded when used.
func expandAll(o *options, env *environment, hostArg, host string) error {
	port := o.int("port", 22)
	user := o.str("user", "")
	keys := env.tokens(host, hostArg, user, port, o.str("hostkeyalias", hostArg))
	full := func(s string) (string, error) {
		t, err := tildeExpand(s, env.home)
		if err != nil {
			return "", err
		}
		r, err := expand(t, keys, env.lookupEnv)
		if err != nil {
			return "", expandFatal(err, "percent_dollar_expand")
		}
		return r, nil
	}
	if s := o.str("remotecommand", ""); s != "" {
		r, err := percentExpand(s, keys)
		if err != nil {
			return expandFatal(err, "percent_expand")
		}
		o.vals["remotecommand"] = r
	}
	for _, k := range []string{"controlpath", "identityagent"} {
		if s := o.str(k, ""); s != "" {
			r, err := full(s)
			if err != nil {
				return err
			}
			o.vals[k] = r
		}
	}
	if o.forwardAgentPath != "" {
		r, err := full(o.forwardAgentPath)
		if err != nil {
			return err
		}
		o.forwardAgentPath = r
		// ssh.c checks the socket before -G prints: a warning, or the end
		// with ExitOnForwardFailure. A $VAR path is checked as written.
		if _, err := os.Stat(r); err != nil {
			msg := fmt.Sprintf("Cannot forward agent socket path \"%s\": %s", r, Strerror(err))
			// ssh logs it under the final LogLevel.
			if o.int("exitonforwardfailure", 0) == 1 {
				if o.int("loglevel", logInfo) < logError {
					return &FatalError{}
				}
				return fatal("%s", msg)
			}
			if o.int("loglevel", logInfo) >= logError {
				o.warnings = append(o.warnings, msg)
			}
		}
	}
	for _, k := range []string{"globalknownhostsfile", "userknownhostsfile"} {
		if l := o.lists[k]; len(l) > 0 && strings.EqualFold(l[0], "none") {
			o.lists[k] = nil
		}
	}
	uk := o.lists["userknownhostsfile"]
	for i, f := range uk {
		r, err := full(f)
		if err != nil {
			return err
		}
		uk[i] = r
	}
	for _, list := range [][]Forward{o.localForwards, o.remoteForwards} {
		for i := range list {
			for _, p := range []*string{&list[i].Listen.Path, &list[i].Connect.Path} {
				if *p == "" {
					continue
				}
				r, err := percentExpand(*p, keys)
				if err != nil {
					return expandFatal(err, "percent_expand")
				}
				*p = r
			}
		}
	}
	return nil
}
