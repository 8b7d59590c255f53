package config

import "time"

// Request is what the command line asks for, before any configuration file
// is read. The cmd/gssh package builds it from the flags; Resolve turns it
// into a Config.
type Request struct {
	// Host is the destination host as typed, without user or port
	// (the %n token). It is lowercased during resolution, as OpenSSH does.
	Host string

	// Options are ssh_config lines ("Keyword value", "Keyword=value") that
	// the command line sets, in order of precedence: the first line that
	// sets a single-valued keyword wins, multi-valued keywords accumulate.
	// Flags such as -p, -l and -i are translated to lines here by cmd/gssh.
	Options []string

	// ConfigFile is the -F argument: "" reads the user's ~/.ssh/config and
	// the system file, "none" reads no file, anything else reads only that
	// file.
	ConfigFile string

	// Env holds the environment used for ${VAR} expansion and for Match
	// exec. When nil, the process environment is used.
	Env map[string]string

	// HomeDir, LocalUser and SystemConfig override the current user's home
	// directory, login name and /etc/ssh/ssh_config (tests use them).
	HomeDir      string
	LocalUser    string
	SystemConfig string

	// LookupHost resolves names for CanonicalizeHostname; nil uses
	// net.LookupHost. Tests inject a fake to stay off the network.
	LookupHost func(host string) ([]string, error)
}

// Config is the fully resolved configuration for one connection: every
// keyword the client acts on, after defaults and token expansion.
// Durations of zero mean "none"/"off" unless a field says otherwise.
type Config struct {
	// Host is the original destination host (lowercased), the %n token
	// after canonicalization, used for Host matching.
	Host string
	// HostName is the name or address actually dialled (%h).
	HostName string
	User     string
	Port     int

	AddressFamily  string // "any", "inet", "inet6"
	BindAddress    string
	BindInterface  string
	BatchMode      bool
	CheckHostIP    bool
	Compression    bool
	ConnectTimeout time.Duration
	// ConnectionAttempts is how many times to try the TCP connect.
	ConnectionAttempts int

	Ciphers           []string // empty: gssh's default order
	MACs              []string
	KexAlgorithms     []string
	HostKeyAlgorithms []string
	// HostKeyAlgorithmsSet reports whether the user wrote HostKeyAlgorithms
	// out in full (not the default, nor a "+" or "-" change to it); only
	// then is its order kept verbatim.
	HostKeyAlgorithmsSet     bool
	PubkeyAcceptedAlgorithms []string

	IdentityFiles                []string // expanded paths, in order
	IdentityFilesSet             bool     // false when IdentityFiles are OpenSSH's defaults
	CertificateFiles             []string
	IdentitiesOnly               bool
	IdentityAgent                string // "" = SSH_AUTH_SOCK, "none" disables
	AddKeysToAgent               string
	PreferredAuthentications     []string
	PubkeyAuthentication         bool
	PasswordAuthentication       bool
	KbdInteractiveAuthentication bool
	NumberOfPasswordPrompts      int
	// GSSAPIAuthentication enables gssapi-with-mic (Kerberos); the
	// fields after it shape it (docs/kerberos.md).
	GSSAPIAuthentication      bool
	GSSAPIDelegateCredentials bool
	GSSAPITrustDNS            bool
	GSSAPIServerIdentity      string // "" = from the host name
	GSSAPIClientIdentity      string // "" = the cache's principal

	StrictHostKeyChecking string // "yes", "no", "ask", "accept-new"
	UserKnownHostsFiles   []string
	GlobalKnownHostsFiles []string
	HashKnownHosts        bool
	HostKeyAlias          string
	UpdateHostKeys        string

	RequestTTY              RequestTTY
	SessionType             string // "default", "none", "subsystem"
	RemoteCommand           string
	StdinNull               bool
	ForkAfterAuthentication bool
	SendEnv                 []string // patterns; "-pattern" removes
	SetEnv                  []string // NAME=VALUE
	EscapeChar              int      // -1 = none
	EnableEscapeCommandline bool
	LogLevel                LogLevel
	LocalCommand            string
	PermitLocalCommand      bool

	ServerAliveInterval time.Duration
	// ServerAliveIntervalSet reports that the configuration set
	// ServerAliveInterval; when false the interval is gssh's own default
	// (docs/config-keywords.md, "Deliberate deviations").
	ServerAliveIntervalSet bool
	ServerAliveCountMax    int
	TCPKeepAlive           bool

	ControlMaster  ControlMaster
	ControlPath    string // expanded; "" = none
	ControlPersist time.Duration
	// ControlPersistSet distinguishes ControlPersist=no (false) from
	// yes/0, which keeps the master forever (true with zero duration).
	ControlPersistSet bool

	ProxyCommand string // "" = none
	ProxyJump    string // "" = none
	ForwardAgent string // "no", "yes", or a socket path / $ENV
	ForwardX11   bool
	// LocalForwards, RemoteForwards and DynamicForwards are the -L, -R
	// and -D forwardings in the order given. A SOCKS forwarding connects
	// to host "socks" port 0 (Forward.Dynamic): every DynamicForward, and
	// a RemoteForward with a listen address only.
	LocalForwards        []Forward
	RemoteForwards       []Forward
	DynamicForwards      []Forward
	ClearAllForwardings  bool
	ExitOnForwardFailure bool
	GatewayPorts         bool
	PermitRemoteOpen     []string

	// CertificateFiles above are as configured; like IdentityFiles they
	// are expanded (~, % tokens, ${ENV}).

	// ProxyUseFdpass, ForwardX11Trusted and the like are only printed
	// by WriteG; the fields below are the further settings gssh acts on.
	HostKeyAliasSet bool // HostKeyAlias was configured
	// RevokedHostKeys is the RevokedHostKeys file as configured, "" for
	// none: OpenSSH 9.2 expands neither ~ nor tokens in it.
	RevokedHostKeys string
	// KnownHostsCommand is the unexpanded KnownHostsCommand, "" for none.
	KnownHostsCommand string
	// IPQoS holds the interactive and bulk DSCP/TOS values.
	IPQoS [2]int
	// RekeyLimit is the data limit in bytes (0 = cipher default) and
	// RekeyInterval the time limit (0 = none). The client applies only
	// the data limit: x/crypto/ssh cannot be asked for a key exchange.
	RekeyLimit    int64
	RekeyInterval time.Duration
	// StreamLocalBindMask and StreamLocalBindUnlink apply to Unix-socket
	// forwards.
	StreamLocalBindMask   int
	StreamLocalBindUnlink bool
	// FingerprintHash is "SHA256" or another digest name for printing
	// key fingerprints.
	FingerprintHash string
	// VisualHostKey prints the ASCII-art key fingerprint.
	VisualHostKey bool
	// ForwardX11Trusted and ForwardX11Timeout control X11 forwarding.
	ForwardX11Trusted bool
	ForwardX11Timeout time.Duration
	// XAuthLocation is the xauth program X11 forwarding runs.
	XAuthLocation string
	// NoHostAuthenticationForLocalhost skips host key checks for localhost.
	NoHostAuthenticationForLocalhost bool
	// CASignatureAlgorithms lists accepted CA signature algorithms.
	CASignatureAlgorithms []string
	// RequiredRSASize is the minimum RSA key size in bits.
	RequiredRSASize int
	// Tunnel ("no", "point-to-point", "ethernet") and TunnelDevice ("any:any").
	Tunnel       string
	TunnelDevice string
	// ProxyUseFdpass expects the proxy command to pass a connected socket.
	ProxyUseFdpass bool
	// IdentityFileError is the failed expansion of an IdentityFile or
	// CertificateFile (a *FatalError). OpenSSH expands those paths only
	// when it loads the keys, after -G has printed them, so Resolve
	// succeeds and the client must refuse to go on with it.
	IdentityFileError error
	// Warnings are the non-fatal messages OpenSSH would print at the log
	// levels it would print them (unsupported keywords, a missing agent
	// socket); cmd/gssh shows them all on stderr.
	Warnings []string
	// Debug are the lines ssh logs at -v and above while it reads its
	// configuration files ("Reading configuration data PATH", "PATH line
	// N: Applying options for HOST"), kept when the command line's log
	// level (-v, -q, -o LogLevel) shows them: ssh reads the files under
	// that level, before the files' own LogLevel takes effect.
	Debug []DebugLine

	// hostArg is the destination as typed (-G prints it as "host").
	hostArg string
	// tokens are the % tokens of this connection (%C, %d, %h, ...), for
	// the commands expanded only when they run (LocalCommand).
	tokens map[byte]string
	// lookupEnv reads the environment the configuration was resolved
	// in, for ${VAR} in commands expanded only when they run.
	lookupEnv func(string) (string, bool)
	// opts keeps every parsed value, including those gssh does not act
	// on, so WriteG can print all of them.
	opts *options
}

// DebugLine is one diagnostic with its log level.
type DebugLine struct {
	Level LogLevel
	Text  string
}
