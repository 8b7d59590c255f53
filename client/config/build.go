package config

import (
	"strings"
	"time"
)

// buildConfig converts finished options into the typed Config.
func buildConfig(o *options, env *environment, hostArg, host string) (*Config, error) {
	port := o.int("port", 22)
	user := o.str("user", "")
	keys := env.tokens(host, hostArg, user, port, o.str("hostkeyalias", hostArg))
	files := func(list []string) ([]string, error) {
		out := make([]string, 0, len(list))
		for _, f := range list {
			t, err := tildeExpand(f, env.home)
			if err != nil {
				return nil, err
			}
			if t, err = expand(t, keys, env.lookupEnv); err != nil {
				return nil, expandFatal(err, "percent_dollar_expand")
			}
			out = append(out, t)
		}
		return out, nil
	}
	b := func(k string) bool { return o.int(k, 0) != 0 }
	secs := func(k string) time.Duration { return time.Duration(o.int(k, 0)) * time.Second }
	list := func(k string) []string { return strings.Split(o.str(k, ""), ",") }

	c := &Config{
		Host:                         strings.ToLower(hostArg),
		HostName:                     host,
		User:                         user,
		Port:                         port,
		AddressFamily:                fmtState("addressfamily", o.int("addressfamily", afAny)),
		BindAddress:                  o.str("bindaddress", ""),
		BindInterface:                o.str("bindinterface", ""),
		BatchMode:                    b("batchmode"),
		CheckHostIP:                  b("checkhostip"),
		Compression:                  b("compression"),
		ConnectTimeout:               secs("connecttimeout"),
		ConnectionAttempts:           o.int("connectionattempts", 1),
		Ciphers:                      list("ciphers"),
		MACs:                         list("macs"),
		KexAlgorithms:                list("kexalgorithms"),
		HostKeyAlgorithms:            list("hostkeyalgorithms"),
		HostKeyAlgorithmsSet:         o.hostKeyAlgosSet,
		PubkeyAcceptedAlgorithms:     list("pubkeyacceptedalgorithms"),
		IdentitiesOnly:               b("identitiesonly"),
		IdentityAgent:                o.str("identityagent", ""),
		AddKeysToAgent:               fmtAddKeys(o),
		PubkeyAuthentication:         b("pubkeyauthentication"),
		PasswordAuthentication:       b("passwordauthentication"),
		KbdInteractiveAuthentication: b("kbdinteractiveauthentication"),
		NumberOfPasswordPrompts:      o.int("numberofpasswordprompts", 3),
		GSSAPIAuthentication:         b("gssapiauthentication"),
		GSSAPIDelegateCredentials:    b("gssapidelegatecredentials"),
		GSSAPITrustDNS:               b("gssapitrustdns"),
		GSSAPIServerIdentity:         o.str("gssapiserveridentity", ""),
		GSSAPIClientIdentity:         o.str("gssapiclientidentity", ""),
		StrictHostKeyChecking:        strictWord(o.int("stricthostkeychecking", strictAsk)),
		UserKnownHostsFiles:          append([]string(nil), o.lists["userknownhostsfile"]...),
		GlobalKnownHostsFiles:        append([]string(nil), o.lists["globalknownhostsfile"]...),
		HashKnownHosts:               b("hashknownhosts"),
		HostKeyAlias:                 o.str("hostkeyalias", ""),
		UpdateHostKeys:               []string{"no", "yes", "ask"}[o.int("updatehostkeys", 0)],
		RequestTTY:                   RequestTTY(o.int("requesttty", ttyAuto)),
		SessionType:                  []string{"none", "subsystem", "default"}[o.int("sessiontype", sessDefault)],
		RemoteCommand:                o.str("remotecommand", ""),
		StdinNull:                    b("stdinnull"),
		ForkAfterAuthentication:      b("forkafterauthentication"),
		SendEnv:                      append([]string(nil), o.sendEnv...),
		SetEnv:                       append([]string(nil), o.setEnv...),
		EscapeChar:                   o.int("escapechar", '~'),
		EnableEscapeCommandline:      b("enableescapecommandline"),
		LogLevel:                     LogLevel(o.int("loglevel", logInfo)),
		LocalCommand:                 o.str("localcommand", ""),
		PermitLocalCommand:           b("permitlocalcommand"),
		ServerAliveInterval:          secs("serveraliveinterval"),
		ServerAliveIntervalSet:       o.serverAliveSet,
		ServerAliveCountMax:          o.int("serveralivecountmax", 3),
		TCPKeepAlive:                 b("tcpkeepalive"),
		ControlMaster:                ControlMaster(o.int("controlmaster", ctlNo)),
		ControlPath:                  o.str("controlpath", ""),
		ProxyCommand:                 o.str("proxycommand", ""),
		ForwardAgent:                 fmtState("forwardagent", o.int("forwardagent", 0)),
		ForwardX11:                   b("forwardx11"),
		ClearAllForwardings:          b("clearallforwardings"),
		ExitOnForwardFailure:         b("exitonforwardfailure"),
		GatewayPorts:                 b("gatewayports"),
		PermitRemoteOpen:             append([]string(nil), o.lists["permitremoteopen"]...),

		HostKeyAliasSet:                  o.has("hostkeyalias"),
		RevokedHostKeys:                  o.str("revokedhostkeys", ""),
		KnownHostsCommand:                o.str("knownhostscommand", ""),
		RekeyLimit:                       o.vals["rekeylimit"].(int64),
		RekeyInterval:                    secs("rekeyinterval"),
		StreamLocalBindMask:              o.bindMask,
		StreamLocalBindUnlink:            b("streamlocalbindunlink"),
		FingerprintHash:                  nameOf(digests, o.int("fingerprinthash", digestSHA256)),
		VisualHostKey:                    b("visualhostkey"),
		ForwardX11Trusted:                b("forwardx11trusted"),
		ForwardX11Timeout:                secs("forwardx11timeout"),
		XAuthLocation:                    o.str("xauthlocation", ""),
		NoHostAuthenticationForLocalhost: b("nohostauthenticationforlocalhost"),
		CASignatureAlgorithms:            list("casignaturealgorithms"),
		RequiredRSASize:                  o.int("requiredrsasize", 1024),
		Tunnel:                           []string{"no", "point-to-point", "ethernet"}[o.int("tunnel", 0)],
		ProxyUseFdpass:                   b("proxyusefdpass"),
		Warnings:                         append([]string(nil), o.warnings...),
		Debug:                            append([]DebugLine(nil), o.debug...),
		hostArg:                          hostArg,
		tokens:                           keys,
		lookupEnv:                        env.lookupEnv,
		opts:                             o,
	}
	if ct, ok := o.vals["connecttimeout"].(int); !ok || ct < 0 {
		c.ConnectTimeout = 0
	}
	td, _ := o.pair("tunneldevice")
	c.TunnelDevice = tunName(td[0]) + ":" + tunName(td[1])
	q, _ := o.pair("ipqos")
	c.IPQoS = [2]int{q[0], q[1]}
	if o.forwardAgentPath != "" {
		c.ForwardAgent = o.forwardAgentPath
	}
	if cp, _ := o.pair("controlpersist"); cp[0] != 0 {
		c.ControlPersistSet = true
		c.ControlPersist = time.Duration(cp[1]) * time.Second
	}
	if j := o.jump; j != nil {
		var sb strings.Builder
		dumpJump(&sb, j)
		c.ProxyJump = strings.TrimSpace(strings.TrimPrefix(sb.String(), "proxyjump "))
		c.ProxyCommand = ""
	}
	if s := o.str("preferredauthentications", ""); s != "" {
		c.PreferredAuthentications = strings.Split(s, ",")
	}
	// ssh expands key paths only when it loads the keys, after -G has
	// printed them verbatim, so a bad one is kept for the client.
	var err error
	if c.IdentityFiles, err = files(o.identityFiles); err != nil {
		c.IdentityFileError = err
	}
	c.IdentityFilesSet = o.identityFilesSet
	// Unless the user chose ciphers, x/crypto's order (AES-GCM first,
	// about twice as fast in Go as OpenSSH's first choice,
	// chacha20-poly1305) is used; -G still prints OpenSSH's list.
	if !o.ciphersSet {
		c.Ciphers = nil
	}
	if c.CertificateFiles, err = files(o.certificateFiles); err != nil && c.IdentityFileError == nil {
		c.IdentityFileError = err
	}
	for _, f := range o.localForwards {
		if f = f.Canonical(); f.Kind == ForwardDynamic {
			c.DynamicForwards = append(c.DynamicForwards, f)
		} else {
			c.LocalForwards = append(c.LocalForwards, f)
		}
	}
	for _, f := range o.remoteForwards {
		c.RemoteForwards = append(c.RemoteForwards, f.Canonical())
	}
	return c, nil
}

func strictWord(v int) string {
	switch v {
	case strictYes:
		return "yes"
	case strictOff:
		return "no"
	case strictNew:
		return "accept-new"
	}
	return "ask"
}

func fmtAddKeys(o *options) string {
	ak, _ := o.pair("addkeystoagent")
	return []string{"no", "yes", "ask", "confirm"}[ak[0]]
}
