package config

// kind says how a keyword's arguments are parsed and stored; it mirrors the
// case groups of readconf.c process_config_line.
type kind int

const (
	kFlag                kind = iota // yes/no (multistate_flag)
	kMulti                           // one of a keyword-specific set of words
	kInt                             // non-negative integer
	kTime                            // time interval, "none" leaves it unset
	kString                          // one word, first value wins
	kCommand                         // rest of the line verbatim
	kPort                            // port number or service name
	kAlgos                           // algorithm list, +/-/^ modify defaults
	kIdentityFile                    // accumulates, duplicates dropped
	kCertificateFile                 // accumulates, duplicates dropped
	kForward                         // LocalForward, RemoteForward, DynamicForward
	kSendEnv                         // accumulates, "-pattern" removes
	kSetEnv                          // first line wins, NAME=VALUE words
	kFirstList                       // list of words, first line wins
	kPermitRemoteOpen                // host:port list or any/none
	kPermittedCNAMEs                 // source:target list
	kEscapeChar                      // single char, ^X or none
	kControlPersist                  // yes/no or time
	kAddKeysToAgent                  // yes/no/ask/confirm [time] or time
	kIPQoS                           // one or two DSCP names/numbers
	kRekeyLimit                      // size [time]
	kStreamLocalBindMask             // octal mask, last value wins
	kTunnelDevice                    // local[:remote]
	kSyslogFacility                  // syslog facility name
	kLogLevel                        // log level name
	kFingerprintHash                 // digest name
	kForwardAgent                    // yes/no or socket path
	kIdentityAgent                   // socket path, SSH_AUTH_SOCK or none
	kProxyJump                       // [user@]host[:port][,...] or none
	kProxyCommand                    // command, ignored after ProxyJump
	kHost                            // starts a Host block
	kMatch                           // starts a Match block
	kInclude                         // includes other files
	kDeprecated                      // accepted silently (readconf.c oDeprecated)
	kUnsupported                     // accepted with a warning (oUnsupported)
	kIgnore                          // accepted silently (oIgnore)
	kGSSKex                          // GSSAPIKexAlgorithms (Debian)
)

// state is one word of a multi-state keyword and the value it stands for.
// Lists are ordered: -G prints the first word with a given value, which is
// why "yes" prints as "true" for some keywords.
type state struct {
	word string
	val  int
}

// Multi-state tables from readconf.c.
var (
	statesFlag   = []state{{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}}
	statesYNAsk  = []state{{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"ask", 2}}
	statesStrict = []state{{"true", strictYes}, {"false", strictOff}, {"yes", strictYes}, {"no", strictOff},
		{"ask", strictAsk}, {"off", strictOff}, {"accept-new", strictNew}}
	statesAF      = []state{{"inet", afInet}, {"inet6", afInet6}, {"any", afAny}}
	statesControl = []state{{"true", ctlYes}, {"yes", ctlYes}, {"false", ctlNo}, {"no", ctlNo},
		{"auto", ctlAuto}, {"ask", ctlAsk}, {"autoask", ctlAutoAsk}}
	statesTunnel = []state{{"ethernet", 2}, {"point-to-point", 1}, {"true", 1}, {"yes", 1}, {"false", 0}, {"no", 0}}
	statesTTY    = []state{{"true", ttyYes}, {"false", ttyNo}, {"yes", ttyYes}, {"no", ttyNo},
		{"force", ttyForce}, {"auto", ttyAuto}}
	statesSession = []state{{"none", sessNone}, {"subsystem", sessSubsystem}, {"default", sessDefault}}
	statesCanon   = []state{{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"always", canonAlways}}
	statesAddKeys = []state{{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"ask", 2}, {"confirm", 3}}
	statesPubkey  = []state{{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"unbound", 2}, {"host-bound", 3}}
)

// Values of multi-state keywords, numbered as in OpenSSH so the state
// tables above read like readconf.c.
const (
	strictOff, strictNew, strictYes, strictAsk = 0, 1, 2, 3
	afAny, afInet, afInet6                     = 0, 2, 10
	ctlNo, ctlYes, ctlAsk, ctlAuto, ctlAutoAsk = 0, 1, 2, 3, 4
	ttyNo, ttyYes, ttyForce, ttyAuto           = int(RequestTTYNo), int(RequestTTYYes), int(RequestTTYForce), int(RequestTTYAuto)
	sessNone, sessSubsystem, sessDefault       = 0, 1, 2
	canonAlways                                = 2
)

// keyword describes one ssh_config keyword.
type keyword struct {
	// name is the canonical lowercase name: the key options are stored
	// under and the name -G prints. Aliases map to their canonical name.
	name   string
	kind   kind
	states []state   // kFlag, kMulti
	algos  *algoSpec // kAlgos
}

func kw(name string, k kind) keyword { return keyword{name: name, kind: k} }

func multi(name string, s []state) keyword { return keyword{name: name, kind: kMulti, states: s} }

// keywords maps every keyword OpenSSH 9.2 (Debian build, with GSSAPI and
// PKCS#11) accepts, lowercased, to its description.
var keywords = map[string]keyword{
	// Deprecated and unsupported keywords are accepted as OpenSSH does.
	"protocol":                kw("protocol", kIgnore),
	"cipher":                  kw("cipher", kDeprecated),
	"fallbacktorsh":           kw("fallbacktorsh", kDeprecated),
	"globalknownhostsfile2":   kw("globalknownhostsfile2", kDeprecated),
	"rhostsauthentication":    kw("rhostsauthentication", kDeprecated),
	"userknownhostsfile2":     kw("userknownhostsfile2", kDeprecated),
	"useroaming":              kw("useroaming", kDeprecated),
	"usersh":                  kw("usersh", kDeprecated),
	"useprivilegedport":       kw("useprivilegedport", kDeprecated),
	"useblacklistedkeys":      kw("useblacklistedkeys", kDeprecated),
	"afstokenpassing":         kw("afstokenpassing", kUnsupported),
	"kerberosauthentication":  kw("kerberosauthentication", kUnsupported),
	"kerberostgtpassing":      kw("kerberostgtpassing", kUnsupported),
	"rsaauthentication":       kw("rsaauthentication", kUnsupported),
	"rhostsrsaauthentication": kw("rhostsrsaauthentication", kUnsupported),
	"compressionlevel":        kw("compressionlevel", kUnsupported),

	"gssapiauthentication":      kw("gssapiauthentication", kFlag),
	"gssapikeyexchange":         kw("gssapikeyexchange", kFlag),
	"gssapidelegatecredentials": kw("gssapidelegatecredentials", kFlag),
	"gssapitrustdns":            kw("gssapitrustdns", kFlag),
	"gssapiclientidentity":      kw("gssapiclientidentity", kString),
	"gssapiserveridentity":      kw("gssapiserveridentity", kString),
	"gssapirenewalforcesrekey":  kw("gssapirenewalforcesrekey", kFlag),
	"gssapikexalgorithms":       kw("gssapikexalgorithms", kGSSKex),
	"pkcs11provider":            kw("pkcs11provider", kString),
	"smartcarddevice":           kw("pkcs11provider", kString),

	"forwardagent":                     kw("forwardagent", kForwardAgent),
	"forwardx11":                       kw("forwardx11", kFlag),
	"forwardx11trusted":                kw("forwardx11trusted", kFlag),
	"forwardx11timeout":                kw("forwardx11timeout", kTime),
	"exitonforwardfailure":             kw("exitonforwardfailure", kFlag),
	"xauthlocation":                    kw("xauthlocation", kString),
	"gatewayports":                     kw("gatewayports", kFlag),
	"passwordauthentication":           kw("passwordauthentication", kFlag),
	"kbdinteractiveauthentication":     kw("kbdinteractiveauthentication", kFlag),
	"kbdinteractivedevices":            kw("kbdinteractivedevices", kString),
	"challengeresponseauthentication":  kw("kbdinteractiveauthentication", kFlag),
	"skeyauthentication":               kw("kbdinteractiveauthentication", kFlag),
	"tisauthentication":                kw("kbdinteractiveauthentication", kFlag),
	"pubkeyauthentication":             multi("pubkeyauthentication", statesPubkey),
	"dsaauthentication":                multi("pubkeyauthentication", statesPubkey),
	"hostbasedauthentication":          kw("hostbasedauthentication", kFlag),
	"identityfile":                     kw("identityfile", kIdentityFile),
	"identityfile2":                    kw("identityfile", kIdentityFile),
	"identitiesonly":                   kw("identitiesonly", kFlag),
	"certificatefile":                  kw("certificatefile", kCertificateFile),
	"addkeystoagent":                   kw("addkeystoagent", kAddKeysToAgent),
	"identityagent":                    kw("identityagent", kIdentityAgent),
	"hostname":                         kw("hostname", kString),
	"hostkeyalias":                     kw("hostkeyalias", kString),
	"proxycommand":                     kw("proxycommand", kProxyCommand),
	"port":                             kw("port", kPort),
	"ciphers":                          {name: "ciphers", kind: kAlgos, algos: &cipherAlgos},
	"macs":                             {name: "macs", kind: kAlgos, algos: &macAlgos},
	"remoteforward":                    kw("remoteforward", kForward),
	"localforward":                     kw("localforward", kForward),
	"permitremoteopen":                 kw("permitremoteopen", kPermitRemoteOpen),
	"user":                             kw("user", kString),
	"host":                             kw("host", kHost),
	"match":                            kw("match", kMatch),
	"escapechar":                       kw("escapechar", kEscapeChar),
	"globalknownhostsfile":             kw("globalknownhostsfile", kFirstList),
	"userknownhostsfile":               kw("userknownhostsfile", kFirstList),
	"connectionattempts":               kw("connectionattempts", kInt),
	"batchmode":                        kw("batchmode", kFlag),
	"checkhostip":                      kw("checkhostip", kFlag),
	"stricthostkeychecking":            multi("stricthostkeychecking", statesStrict),
	"compression":                      kw("compression", kFlag),
	"tcpkeepalive":                     kw("tcpkeepalive", kFlag),
	"keepalive":                        kw("tcpkeepalive", kFlag),
	"numberofpasswordprompts":          kw("numberofpasswordprompts", kInt),
	"syslogfacility":                   kw("syslogfacility", kSyslogFacility),
	"loglevel":                         kw("loglevel", kLogLevel),
	"logverbose":                       kw("logverbose", kFirstList),
	"dynamicforward":                   kw("dynamicforward", kForward),
	"preferredauthentications":         kw("preferredauthentications", kString),
	"hostkeyalgorithms":                {name: "hostkeyalgorithms", kind: kAlgos, algos: &hostKeyAlgos},
	"casignaturealgorithms":            {name: "casignaturealgorithms", kind: kAlgos, algos: &caSigAlgos},
	"bindaddress":                      kw("bindaddress", kString),
	"bindinterface":                    kw("bindinterface", kString),
	"clearallforwardings":              kw("clearallforwardings", kFlag),
	"enablesshkeysign":                 kw("enablesshkeysign", kFlag),
	"verifyhostkeydns":                 multi("verifyhostkeydns", statesYNAsk),
	"nohostauthenticationforlocalhost": kw("nohostauthenticationforlocalhost", kFlag),
	"rekeylimit":                       kw("rekeylimit", kRekeyLimit),
	"connecttimeout":                   kw("connecttimeout", kTime),
	"addressfamily":                    multi("addressfamily", statesAF),
	"serveraliveinterval":              kw("serveraliveinterval", kTime),
	"serveralivecountmax":              kw("serveralivecountmax", kInt),
	"sendenv":                          kw("sendenv", kSendEnv),
	"setenv":                           kw("setenv", kSetEnv),
	"controlpath":                      kw("controlpath", kString),
	"controlmaster":                    multi("controlmaster", statesControl),
	"controlpersist":                   kw("controlpersist", kControlPersist),
	"hashknownhosts":                   kw("hashknownhosts", kFlag),
	"include":                          kw("include", kInclude),
	"tunnel":                           multi("tunnel", statesTunnel),
	"tunneldevice":                     kw("tunneldevice", kTunnelDevice),
	"localcommand":                     kw("localcommand", kCommand),
	"permitlocalcommand":               kw("permitlocalcommand", kFlag),
	"remotecommand":                    kw("remotecommand", kCommand),
	"visualhostkey":                    kw("visualhostkey", kFlag),
	"kexalgorithms":                    {name: "kexalgorithms", kind: kAlgos, algos: &kexAlgos},
	"ipqos":                            kw("ipqos", kIPQoS),
	"requesttty":                       multi("requesttty", statesTTY),
	"sessiontype":                      multi("sessiontype", statesSession),
	"stdinnull":                        kw("stdinnull", kFlag),
	"forkafterauthentication":          kw("forkafterauthentication", kFlag),
	"proxyusefdpass":                   kw("proxyusefdpass", kFlag),
	"canonicaldomains":                 kw("canonicaldomains", kFirstList),
	"canonicalizefallbacklocal":        kw("canonicalizefallbacklocal", kFlag),
	"canonicalizehostname":             multi("canonicalizehostname", statesCanon),
	"canonicalizemaxdots":              kw("canonicalizemaxdots", kInt),
	"canonicalizepermittedcnames":      kw("canonicalizepermittedcnames", kPermittedCNAMEs),
	"streamlocalbindmask":              kw("streamlocalbindmask", kStreamLocalBindMask),
	"streamlocalbindunlink":            kw("streamlocalbindunlink", kFlag),
	"revokedhostkeys":                  kw("revokedhostkeys", kString),
	"fingerprinthash":                  kw("fingerprinthash", kFingerprintHash),
	"updatehostkeys":                   multi("updatehostkeys", statesYNAsk),
	"hostbasedacceptedalgorithms":      {name: "hostbasedacceptedalgorithms", kind: kAlgos, algos: &pubkeyAlgos},
	"hostbasedkeytypes":                {name: "hostbasedacceptedalgorithms", kind: kAlgos, algos: &pubkeyAlgos},
	"pubkeyacceptedalgorithms":         {name: "pubkeyacceptedalgorithms", kind: kAlgos, algos: &pubkeyAlgos},
	"pubkeyacceptedkeytypes":           {name: "pubkeyacceptedalgorithms", kind: kAlgos, algos: &pubkeyAlgos},
	"ignoreunknown":                    kw("ignoreunknown", kString),
	"proxyjump":                        kw("proxyjump", kProxyJump),
	"securitykeyprovider":              kw("securitykeyprovider", kString),
	"knownhostscommand":                kw("knownhostscommand", kCommand),
	"requiredrsasize":                  kw("requiredrsasize", kInt),
	"enableescapecommandline":          kw("enableescapecommandline", kFlag),
	// Debian's keepalive patch makes these aliases of ServerAliveInterval.
	"protocolkeepalives": kw("serveraliveinterval", kTime),
	"setuptimeout":       kw("serveraliveinterval", kTime),
}
