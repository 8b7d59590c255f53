package client

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/gssapi"
	"github.com/gssh/gssh/client/keys"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
)

// Authentication follows sshconnect2.c of OpenSSH 9.2. x/crypto's
// AuthCallback lets the order be OpenSSH's instead of x/crypto's one try
// per method name: each public key is its own attempt, password and
// keyboard-interactive get NumberOfPasswordPrompts attempts each (all
// steps together), and the methods are walked in PreferredAuthentications
// order, never going back to an earlier one while the server's list of
// methods stays the same (authmethod_get). A method that had nothing to
// send is off for good.
//
// Multi-step authentication (sshd's AuthenticationMethods): when the
// server answers with partial success, ssh logs `Authenticated using
// "METHOD" with partial success.` at -v (VERBOSE), and, the server's list
// having changed, walks PreferredAuthentications again from its start.
// Its keys are all untried again, in the order the queue had reached: the
// keys not yet offered first, then those offered before, in the order
// they were (userauth_pubkey moves each key it offers to the tail,
// pubkey_reset clears the marks). ssh would offer the accepted key once
// more at the very end, which sshd refuses ("refusing previously-used
// key"); gssh leaves out every key with the same key material as one the
// server accepted, certificate or not, and so spends no attempt on it.

// defaultPreferredAuthentications is OpenSSH's default order; hostbased is
// not implemented and is skipped like a method the server does not offer.
const defaultPreferredAuthentications = "gssapi-with-mic,hostbased,publickey,keyboard-interactive,password"

// authenticator is the AuthCallback state of one Dial.
type authenticator struct {
	cfg      *config.Config
	log      *sshlog.Logger
	prompter tty.Prompter // nil: no prompts
	// untrusted disables password and keyboard-interactive after a changed
	// host key was accepted under StrictHostKeyChecking=no.
	untrusted func() bool
	// peer is the server's address, for GSSAPITrustDns.
	peer net.Addr

	methods []string // PreferredAuthentications
	// cursor indexes methods; it only moves forward while the server's
	// list of methods, allowed, stays the same.
	cursor   int
	allowed  string
	disabled map[string]bool // methods that had nothing to send

	// certs are the CertificateFile identities and files the IdentityFile
	// ones, read when the authenticator is made.
	certs, files []*identity
	prepared     bool
	// identities is the whole prepared key list; queue is the order of
	// the current step, in which nextKey is the next key to offer.
	identities []*identity
	queue      []*identity
	nextKey    int
	// offered is the key of the last publickey attempt; accepted holds
	// the keys the server accepted with partial success, and partials
	// counts the partial successes seen.
	offered  *identity
	accepted []ssh.PublicKey
	partials int
	// privates caches decrypted keys by file, so a key and its
	// certificate share one passphrase prompt.
	privates  map[string]ssh.Signer
	agentConn net.Conn
	// agentComments are the agent's key comments by key blob, read at
	// -v for "Will attempt key" lines.
	agentComments map[string]string

	passwordTries, kbdTries int
	// kbdInfoSeen is set once the server sent a keyboard-interactive
	// question; without one, ssh makes a single attempt.
	kbdInfoSeen bool
	gssapiTried bool
	lastMethods []string
	lastErr     error
	// fatal ends authentication at the next step: x/crypto takes an
	// error from a method (or the banner callback) as a failed attempt
	// and goes on, where ssh ends the connection.
	fatal error

	// begun is set once the service request was accepted (begin);
	// current is the method ssh would call current (authmethod_get),
	// "" after the server's list changed; last is the method of the
	// latest attempt, "none" before any.
	begun   bool
	current string
	last    string
}

func newAuthenticator(cfg *config.Config, log *sshlog.Logger, prompter tty.Prompter, untrusted func() bool, peer net.Addr) *authenticator {
	methods := cfg.PreferredAuthentications
	if len(methods) == 0 {
		methods = strings.Split(defaultPreferredAuthentications, ",")
	}
	if cfg.BatchMode {
		prompter = nil
	}
	a := &authenticator{cfg: cfg, log: log, prompter: prompter, untrusted: untrusted, peer: peer,
		methods: methods, disabled: map[string]bool{}, privates: map[string]ssh.Signer{}}
	// ssh.c reads the identity files' public halves once connected,
	// before key exchange, and reports the unusable ones then.
	a.certs, a.files = a.fileIdentities()
	return a
}

// close releases the agent connection used for signing.
func (a *authenticator) close() {
	if a.agentConn != nil {
		a.agentConn.Close()
	}
}

// AuthError reports that every authentication method was exhausted.
type AuthError struct {
	User string
	Host string
	// Methods are the methods the server offered in its last failure
	// reply, in its order.
	Methods []string
	// Err is the last error of a client-side method (a failed prompt, an
	// agent failure), if any; nil when the server simply said no.
	Err error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("%s@%s: Permission denied (%s).", e.User, e.Host, strings.Join(e.Methods, ","))
}

func (e *AuthError) Unwrap() error { return e.Err }

// next is the ssh.ClientAuthCallback: it returns the next attempt, or an
// *AuthError once every method is exhausted.
func (a *authenticator) next(ctx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	if a.fatal != nil {
		return nil, a.fatal
	}
	a.begin()
	a.lastMethods = ctx.AllowedMethods
	if n := len(ctx.PartialSuccessMethods); n > a.partials {
		a.partials = n
		a.partialSuccess(ctx.PartialSuccessMethods[n-1])
	}
	a.log.Logf(config.LogDebug1, "Authentications that can continue: %s", strings.Join(ctx.AllowedMethods, ","))
	if allowed := strings.Join(ctx.AllowedMethods, ","); allowed != a.allowed {
		a.allowed, a.cursor, a.current = allowed, 0, ""
	}
	for ; a.cursor < len(a.methods); a.cursor++ {
		m := a.methods[a.cursor]
		if a.disabled[m] || !slices.Contains(ctx.AllowedMethods, m) {
			continue
		}
		if m != a.current && a.methodEnabled(m) {
			a.log.Logf(config.LogDebug1, "Next authentication method: %s", m)
			a.current = m
		}
		var method ssh.AuthMethod
		switch m {
		case "gssapi-with-mic":
			method = a.gssapiWithMIC()
		case "publickey":
			method = a.publicKey()
		case "keyboard-interactive":
			method = a.keyboardInteractive()
		case "password":
			method = a.password()
		}
		if method != nil {
			a.last = m
			return method, nil
		}
		a.disabled[m] = true
	}
	a.log.Logf(config.LogDebug1, "No more authentication methods to try.")
	return nil, &AuthError{User: a.cfg.User, Host: a.cfg.HostName, Methods: slices.Clone(a.lastMethods), Err: a.lastErr}
}

// begin logs what ssh logs once the server accepted the ssh-userauth
// service, before its first answer to an authentication request: the
// keys it will offer (pubkey_prepare runs before the service request in
// ssh) and the acceptance itself. x/crypto hides both messages; this runs
// at the first sign of the service's acceptance, the banner or the answer
// to the "none" request, whichever comes first.
func (a *authenticator) begin() {
	if a.begun {
		return
	}
	a.begun = true
	if a.cfg.PubkeyAuthentication {
		a.prepare()
	}
	a.log.Logf(config.LogDebug2, "service_accept: ssh-userauth")
	a.log.Logf(config.LogDebug1, "SSH2_MSG_SERVICE_ACCEPT received")
}

// methodEnabled is authmethod_is_enabled: the method's configuration
// switch, for the methods gssh implements.
func (a *authenticator) methodEnabled(m string) bool {
	switch m {
	case "gssapi-with-mic":
		return a.cfg.GSSAPIAuthentication
	case "publickey":
		return a.cfg.PubkeyAuthentication
	case "keyboard-interactive":
		return a.cfg.KbdInteractiveAuthentication
	case "password":
		return a.cfg.PasswordAuthentication
	}
	return false
}

// authenticated logs ssh's line for a successful login (userauth_success
// at VERBOSE): the host name, the server's address and port, and the
// method of the last attempt.
func (a *authenticator) authenticated(remote net.Addr) {
	addr, port := peerID(remote, a.cfg)
	a.log.Logf(config.LogVerbose, "Authenticated to %s ([%s]:%d) using \"%s\".", a.cfg.HostName, addr, port, cmp.Or(a.last, "none"))
}

// partialSuccess is input_userauth_failure's partial branch: the step
// that used method is done. A key the server accepted is not offered
// again, and the others are all tried again, starting from where the
// queue stood.
func (a *authenticator) partialSuccess(method string) {
	a.log.Logf(config.LogVerbose, "Authenticated using \"%s\" with partial success.", method)
	if method == "publickey" && a.offered != nil {
		a.accepted = append(a.accepted, a.offered.pub)
	}
	a.queue = append(a.queue[a.nextKey:], a.queue[:a.nextKey]...)
	a.nextKey = 0
	a.queue = slices.DeleteFunc(a.queue, a.wasAccepted)
}

// wasAccepted reports whether the server already accepted id's key
// material in an earlier step; sshd refuses it from then on.
func (a *authenticator) wasAccepted(id *identity) bool {
	return id.pub != nil && slices.ContainsFunc(a.accepted, func(k ssh.PublicKey) bool { return keys.Same(k, id.pub) })
}

// gssapiWithMIC returns the one gssapi-with-mic attempt (OpenSSH's
// userauth_gssapi with its single mechanism, Kerberos V5), or nil when
// GSSAPIAuthentication is off, it was tried, or no credentials can be had
// for the server: then, as ssh does, nothing is sent and the reason is
// logged at -v in MIT's words.
func (a *authenticator) gssapiWithMIC() ssh.AuthMethod {
	if !a.cfg.GSSAPIAuthentication || a.gssapiTried {
		return nil
	}
	a.gssapiTried = true
	ctx := context.Background()
	host := gssapi.ServerHost(ctx, net.DefaultResolver, a.cfg.GSSAPIServerIdentity, a.cfg.GSSAPITrustDNS, a.cfg.HostName, a.peer)
	c, err := gssapi.New(ctx, gssapi.Config{Host: host, CCache: os.Getenv("KRB5CCNAME"),
		Krb5Config: os.Getenv("KRB5_CONFIG"), ClientIdentity: a.cfg.GSSAPIClientIdentity})
	if err != nil {
		var gerr *gssapi.Error
		if errors.As(err, &gerr) {
			a.log.Logf(config.LogDebug1, "%s", gerr.SSHText())
		}
		a.log.Logf(config.LogDebug2, "gssapi-with-mic: %v", err)
		return nil
	}
	if a.cfg.GSSAPIDelegateCredentials {
		// docs/kerberos.md: gokrb5 cannot make the forwarded TGT.
		a.log.Logf(config.LogDebug1, "GSSAPIDelegateCredentials: gssh cannot delegate Kerberos credentials; authenticating without delegation")
	}
	return ssh.GSSAPIWithMICAuthMethod(c, host)
}

func (a *authenticator) canPrompt() bool { return a.prompter != nil && !a.untrusted() }

// password returns the next password attempt, or nil when
// NumberOfPasswordPrompts are used up.
func (a *authenticator) password() ssh.AuthMethod {
	if !a.cfg.PasswordAuthentication || !a.canPrompt() || a.passwordTries >= a.cfg.NumberOfPasswordPrompts {
		return nil
	}
	a.passwordTries++
	retry := a.passwordTries > 1
	return ssh.PasswordCallback(func() (string, error) {
		if retry {
			a.log.Logf(config.LogError, "Permission denied, please try again.")
		}
		return a.ask(a.prompter.ReadPassword, fmt.Sprintf("%s@%s's password: ", a.cfg.User, a.cfg.HostName)), nil
	})
}

// ask reads one answer for password or keyboard-interactive. A prompt that
// fails (no terminal, say) answers "", as OpenSSH's read_passphrase does:
// ssh then goes on sending empty answers, and so prints "Permission
// denied, please try again." as often, which callers without a terminal
// (cron jobs) see and may match on.
func (a *authenticator) ask(read func(string) (string, error), prompt string) string {
	ans, err := read(prompt)
	if err != nil {
		a.log.Logf(config.LogDebug1, "read_passphrase: %v", err)
		a.lastErr = err
		return ""
	}
	return ans
}

// keyboardInteractive returns the next keyboard-interactive attempt.
func (a *authenticator) keyboardInteractive() ssh.AuthMethod {
	if !a.cfg.KbdInteractiveAuthentication || !a.canPrompt() || a.kbdTries >= a.cfg.NumberOfPasswordPrompts {
		return nil
	}
	a.kbdTries++
	if a.kbdTries > 1 && !a.kbdInfoSeen {
		return nil
	}
	host := a.cfg.HostKeyAlias
	if host == "" {
		host = a.cfg.HostName
	}
	return ssh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		a.kbdInfoSeen = true
		if hasNUL(name, instruction) {
			a.fatal = errInvalidFormat
			return nil, a.fatal
		}
		if name != "" {
			a.log.Logf(config.LogInfo, "%s", name)
		}
		if instruction != "" {
			a.log.Logf(config.LogInfo, "%s", instruction)
		}
		answers := make([]string, len(questions))
		for i, q := range questions {
			if hasNUL(q) {
				a.fatal = errInvalidFormat
				return nil, a.fatal
			}
			// OpenSSH 8.4+ prefixes each prompt with the login it is
			// for, and renders the whole prompt with asmprintf.
			prompt := a.log.Text(fmt.Sprintf("(%s@%s) %s", a.cfg.User, host, q))
			read := a.prompter.ReadPassword
			if echos[i] {
				read = a.prompter.ReadLine
			}
			answers[i] = a.ask(read, prompt)
		}
		return answers, nil
	})
}

// publicKey returns an attempt with the next identity, or nil when none
// are left.
func (a *authenticator) publicKey() ssh.AuthMethod {
	if !a.cfg.PubkeyAuthentication {
		return nil
	}
	a.prepare()
	for a.nextKey < len(a.queue) {
		id := a.queue[a.nextKey]
		a.nextKey++
		if a.wasAccepted(id) {
			// An encrypted key decrypted in this step turned out to be
			// one accepted before.
			continue
		}
		// A key whose public half is unknown until decrypted is "tried"
		// rather than offered; ssh then signs without asking first.
		private := id.pub == nil
		if private {
			a.log.Logf(config.LogDebug1, "Trying private key: %s", id.file)
		}
		signer, err := a.signerFor(id)
		if err != nil {
			a.lastErr = err
			continue
		}
		signer = withSignatureAlgorithms(signer, a.cfg.PubkeyAcceptedAlgorithms)
		shown := a.formatIdentity(id)
		if !private {
			a.log.Logf(config.LogDebug1, "Offering public key: %s", shown)
			a.log.Logf(config.LogDebug2, "we sent a publickey packet, wait for reply")
			// x/crypto signs only after the server's SSH_MSG_USERAUTH_PK_OK.
			signer = onFirstSign(signer, func() { a.log.Logf(config.LogDebug1, "Server accepts key: %s", shown) })
		}
		a.offered = id
		return ssh.PublicKeysCallback(func() ([]ssh.Signer, error) { return []ssh.Signer{signer}, nil })
	}
	return nil
}

// errKeySkipped is returned when an identity cannot be used; the reason
// has been logged the way OpenSSH logs it.
var errKeySkipped = errors.New("identity skipped")

// loadPrivate is OpenSSH's load_identity_file: try without a passphrase,
// then prompt up to NumberOfPasswordPrompts times; an empty answer gives
// up on the key. Never prompts in BatchMode.
func (a *authenticator) loadPrivate(id *identity) (ssh.Signer, error) {
	if s, ok := a.privates[id.file]; ok {
		return s, nil
	}
	data, err := a.readKeyFile(id)
	if err != nil {
		return nil, err
	}
	// OpenSSH's own parser rejects some files x/crypto would take, and
	// names what is wrong with them.
	env, isOpenSSH := openSSHEnvelope(data)
	if isOpenSSH && env.reason != "" {
		a.log.Logf(config.LogError, "Load key \"%s\": %s", id.file, env.reason)
		return nil, fmt.Errorf("load key %s: %s: %w", id.file, env.reason, errKeySkipped)
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	var missing *ssh.PassphraseMissingError
	for try := 0; errors.As(err, &missing) || errors.Is(err, x509.IncorrectPasswordError); try++ {
		if a.prompter == nil || try >= a.cfg.NumberOfPasswordPrompts {
			return nil, fmt.Errorf("%s: %w", id.file, errKeySkipped)
		}
		// A failed prompt is an empty answer, as in OpenSSH.
		pass := a.ask(a.prompter.ReadPassword, fmt.Sprintf("Enter passphrase for key '%s': ", id.file))
		if pass == "" {
			return nil, fmt.Errorf("%s: no passphrase given: %w", id.file, errKeySkipped)
		}
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, []byte(pass))
	}
	var signer ssh.Signer
	if err == nil {
		signer, err = ssh.NewSignerFromKey(raw)
	}
	if err == nil && isOpenSSH && !bytes.Equal(signer.PublicKey().Marshal(), env.pub) {
		// OpenSSH checks that the private key is the one the file's
		// clear-text public key announces.
		err = errors.New("public and private keys differ")
	}
	if err != nil {
		a.log.Logf(config.LogError, "Load key \"%s\": %s", id.file, keyLoadReason(data))
		return nil, fmt.Errorf("load key %s: %w", id.file, err)
	}
	if _, small := keys.RSATooSmall(a.cfg, signer.PublicKey()); small {
		a.log.Logf(config.LogDebug1, "load_identity_file: Skipping key %s: Invalid key length", id.file)
		return nil, fmt.Errorf("%s: RSA key below RequiredRSASize: %w", id.file, errKeySkipped)
	}
	a.privates[id.file] = signer
	return signer, nil
}

// keyLoadReason is the ssh_err() text OpenSSH 9.2 built with OpenSSL 3
// prints after `Load key "PATH": ` for a file it cannot load (checked
// against /usr/bin/ssh). OpenSSH first parses its own format; when that
// fails with SSH_ERR_INVALID_FORMAT the file goes to libcrypto's PEM
// decoder. There, a PEM private key block with bad contents yields an
// ASN.1 error, "invalid format", while anything libcrypto finds no key in
// (text, binary, an empty file, a public key, a PEM block missing its END
// line or of another type, an "OPENSSH PRIVATE KEY" block OpenSSH's own
// parser found malformed) yields "error in libcrypto".
func keyLoadReason(data []byte) string {
	if env, ok := openSSHEnvelope(data); ok && env.reason != "" {
		return env.reason
	}
	if block, _ := pem.Decode(data); block != nil {
		switch block.Type {
		case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return "invalid format"
		}
	}
	return "error in libcrypto"
}

const (
	openSSHKeyBegin = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	openSSHKeyEnd   = "-----END OPENSSH PRIVATE KEY-----"
	openSSHKeyMagic = "openssh-key-v1\x00"
	libcryptoError  = "error in libcrypto"
)

// keyEnvelope is the clear-text part of an OpenSSH-format private key.
type keyEnvelope struct {
	pub []byte // the public key blob
	// reason is set when OpenSSH refuses the file on the envelope alone:
	// its own error ("incomplete message", an unknown key type or cipher),
	// or "error in libcrypto" for what it calls SSH_ERR_INVALID_FORMAT and
	// hands to libcrypto, which finds no key either.
	reason string
}

// openSSHEnvelope follows sshkey.c's private2_uudecode and private2_decrypt
// as far as an unencrypted key can be checked without its private part.
// ok is false when the file does not start like an OpenSSH key, which
// OpenSSH then leaves to libcrypto alone.
func openSSHEnvelope(data []byte) (env keyEnvelope, ok bool) {
	const incomplete = "incomplete message"
	fail := func(reason string) (keyEnvelope, bool) { return keyEnvelope{reason: reason}, true }
	text, ok := bytes.CutPrefix(data, []byte(openSSHKeyBegin))
	if !ok {
		return keyEnvelope{}, false
	}
	// The end marker must start a line.
	end := bytes.Index(text, []byte("\n"+openSSHKeyEnd))
	if end < 0 {
		return fail(libcryptoError)
	}
	b64 := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\r\n", r) {
			return -1
		}
		return r
	}, string(text[:end]))
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fail(libcryptoError)
	}
	rest, ok := bytes.CutPrefix(blob, []byte(openSSHKeyMagic))
	if !ok {
		return fail(libcryptoError)
	}
	str := func() ([]byte, bool) {
		if len(rest) < 4 {
			return nil, false
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(len(rest)-4) < uint64(n) {
			return nil, false
		}
		s := rest[4 : 4+n]
		rest = rest[4+n:]
		return s, true
	}
	cipher, ok1 := str()
	kdf, ok2 := str()
	_, ok3 := str() // KDF options
	if !ok1 || !ok2 || !ok3 || len(rest) < 4 {
		return fail(incomplete)
	}
	if bytes.IndexByte(cipher, 0) >= 0 || bytes.IndexByte(kdf, 0) >= 0 {
		return fail(libcryptoError)
	}
	nkeys := binary.BigEndian.Uint32(rest)
	rest = rest[4:]
	if nkeys != 1 {
		return fail(libcryptoError)
	}
	pub, ok := str()
	if !ok {
		return fail(incomplete)
	}
	if _, err := ssh.ParsePublicKey(pub); err != nil {
		var typ struct {
			Name string
			Rest []byte `ssh:"rest"`
		}
		if ssh.Unmarshal(pub, &typ) == nil && !knownKeyType(typ.Name) {
			return fail("unknown or unsupported key type")
		}
		return fail(libcryptoError)
	}
	if len(rest) < 4 {
		return fail(incomplete)
	}
	encLen := binary.BigEndian.Uint32(rest)
	rest = rest[4:]
	switch string(cipher) {
	case "none", "3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-ctr", "aes192-ctr", "aes256-ctr",
		"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com":
	default:
		return fail("key encrypted using unsupported cipher")
	}
	switch {
	case string(kdf) != "none" && string(kdf) != "bcrypt":
		return fail("key encrypted using unsupported cipher")
	case string(kdf) == "none" && string(cipher) != "none":
		return fail(libcryptoError)
	case string(cipher) == "none" && (encLen < 8 || encLen%8 != 0 || uint64(len(rest)) != uint64(encLen)):
		// The block size, and no data missing or left over.
		return fail(libcryptoError)
	}
	return keyEnvelope{pub: pub}, true
}

// knownKeyType reports whether OpenSSH 9.2 knows a public key type name.
func knownKeyType(name string) bool {
	base := strings.TrimSuffix(name, "-cert-v01@openssh.com")
	switch base {
	case "ssh-rsa", "ssh-dss", "ssh-ed25519", "ssh-xmss@openssh.com",
		"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
		"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com":
		return true
	}
	return false
}

// readKeyFile reads a private key file with OpenSSH's checks and messages:
// a missing user-provided file is reported at INFO, a key others can read
// is refused with the UNPROTECTED PRIVATE KEY banner. The permissions
// are those of the descriptor the key is read from (keys.ReadPrivate).
func (a *authenticator) readKeyFile(id *identity) ([]byte, error) {
	f, err := os.Open(id.file)
	if err != nil {
		// OpenSSH stats the path first, for this message.
		if _, serr := os.Stat(id.file); serr != nil {
			level := config.LogDebug3
			if id.userProvided {
				level = config.LogInfo
			}
			a.log.Logf(level, "no such identity: %s: %s", id.file, config.Strerror(serr))
			return nil, fmt.Errorf("%s: %w", id.file, serr)
		}
		a.log.Logf(config.LogError, "Load key \"%s\": %s", id.file, config.Strerror(err))
		return nil, fmt.Errorf("load key %s: %w", id.file, err)
	}
	defer f.Close()
	data, err := keys.ReadPrivate(f)
	var perms *keys.PermsError
	switch {
	case errors.As(err, &perms):
		for _, l := range []string{
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
			"@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @",
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
			fmt.Sprintf("Permissions 0%03o for '%s' are too open.", uint32(perms.Mode), id.file),
			"It is required that your private key files are NOT accessible by others.",
			"This private key will be ignored.",
			fmt.Sprintf("Load key \"%s\": bad permissions", id.file),
		} {
			a.log.Logf(config.LogError, "%s", l)
		}
		return nil, fmt.Errorf("%s: %w: %w", id.file, err, errKeySkipped)
	case err != nil:
		a.log.Logf(config.LogError, "Load key \"%s\": %s", id.file, config.Strerror(err))
		return nil, fmt.Errorf("load key %s: %w", id.file, err)
	}
	return data, nil
}
