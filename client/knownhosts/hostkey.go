package knownhosts

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	skeema "github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/keys"
	"github.com/gssh/gssh/client/sshlog"
)

// Host key verification follows sshconnect.c check_host_key and hostfile.c
// of OpenSSH 9.2. The known_hosts files are parsed here rather than by
// x/crypto's knownhosts or skeema's HostKeyDB because OpenSSH semantics
// need things those cannot give: a missing file or a malformed line is
// skipped (both libraries fail on the whole set), host patterns match the
// "[host]:port" string the way match_hostname does (wildcards included),
// a key of any other type for the host counts as "changed" and names the
// offending file:line, and the ask prompt lists the other names a key is
// known under. skeema's Normalize still provides the name formatting.
//
// CheckHostIP (off by default since OpenSSH 8.5) is check_host_key's: the
// server's address, "[ip]:port", is looked up beside the host's name, a
// new address is added with a known key or alongside a new one, a host
// whose key changed and whose address holds another verdict gets the
// "POSSIBLE DNS SPOOFING DETECTED" banner, and an address whose entry
// holds another key than the host's gets "differs from the key for the
// IP address", which ends the connection unless StrictHostKeyChecking is
// off or the user confirms at the ask prompt. As in ssh, the check is
// off for a loopback address (each machine's localhost is another host),
// through a proxy (no address), and when the host was named by its
// address (without HostKeyAlias, or with one on port 22); and the
// address of a server that presented a certificate is never looked up.

// hostStatus is the verdict on one key for one name (OpenSSH HostStatus).
type hostStatus int

const (
	hostNew hostStatus = iota
	hostOK
	hostChanged
	hostRevoked
)

// knownHostEntry is one parsed known_hosts line.
type knownHostEntry struct {
	file   string
	line   int
	marker string // "", "cert-authority" or "revoked"
	hosts  string // the host field as written
	key    ssh.PublicKey
	// only is set for lines a KnownHostsCommand printed: OpenSSH keeps
	// those for the one name the command was run for, so they match
	// no other (load_hostkeys_file filters while loading).
	only string
}

// knownHosts holds the entries of every readable known_hosts file, user
// files first, in file and line order.
type knownHosts struct {
	entries []knownHostEntry
}

// loadKnownHosts reads files, silently skipping missing and unreadable
// ones and lines that do not parse, as OpenSSH does.
func loadKnownHosts(files []string, log *sshlog.Logger) *knownHosts {
	kh := &knownHosts{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			log.Logf(config.LogDebug1, "load_hostkeys: fopen %s: %v", file, err)
			continue
		}
		kh.entries = append(kh.entries, parseKnownHosts(file, data, "", log)...)
	}
	return kh
}

// parseKnownHosts parses known_hosts text named file (a path, or
// "KnownHostsCommand-HOSTNAME" for a command's output, as OpenSSH names
// it in messages); only restricts the entries to one host name.
func parseKnownHosts(file string, data []byte, only string, log *sshlog.Logger) []knownHostEntry {
	var entries []knownHostEntry
	for n, line := range bytes.Split(data, []byte("\n")) {
		marker, hosts, key, _, _, err := ssh.ParseKnownHosts(line)
		if err != nil {
			if !isBlankOrComment(line) {
				log.Logf(config.LogDebug1, "%s:%d: invalid known_hosts entry: %v", file, n+1, err)
			}
			continue
		}
		if marker != "" && marker != "cert-authority" && marker != "revoked" {
			continue
		}
		entries = append(entries, knownHostEntry{
			file: file, line: n + 1, marker: marker,
			hosts: strings.Join(hosts, ","), key: key, only: only,
		})
	}
	return entries
}

func isBlankOrComment(line []byte) bool {
	line = bytes.TrimSpace(line)
	return len(line) == 0 || line[0] == '#'
}

// fromCommand reports whether the entry came from KnownHostsCommand (the
// "note" OpenSSH's hostkey_entry carries); false for no entry.
func (e *knownHostEntry) fromCommand() bool { return e != nil && e.only != "" }

// matches reports whether the entry's host field matches name, which is
// already in known_hosts form ("host" or "[host]:port", lowercase).
func (e *knownHostEntry) matches(name string) bool {
	if e.only != "" && e.only != name {
		return false
	}
	if strings.HasPrefix(e.hosts, "|1|") {
		return hashedMatch(e.hosts, name)
	}
	return config.MatchHostname(name, e.hosts)
}

// hashedMatch checks a "|1|salt|hash" entry: HMAC-SHA1 keyed by the salt.
func hashedMatch(field, name string) bool {
	parts := strings.Split(field, "|")
	if len(parts) != 4 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	want, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(name))
	return hmac.Equal(mac.Sum(nil), want)
}

// check is hostfile.c check_hostkeys_by_key_or_type plus
// check_key_not_revoked for one name. For a certificate only
// @cert-authority lines count; for a plain key any other key listed for
// the name makes it "changed", whatever its type, and found is the last
// such line, exactly as in OpenSSH.
func (kh *knownHosts) check(name string, key ssh.PublicKey) (status hostStatus, found *knownHostEntry) {
	cert, isCert := key.(*ssh.Certificate)
	wantMarker := ""
	if isCert {
		wantMarker = "cert-authority"
	}
	for i := range kh.entries {
		e := &kh.entries[i]
		if e.marker != wantMarker || !e.matches(name) {
			continue
		}
		if isCert {
			if keys.Same(cert.SignatureKey, e.key) {
				status, found = hostOK, e
				break
			}
			continue
		}
		if keys.Same(key, e.key) {
			status, found = hostOK, e
			break
		}
		status, found = hostChanged, e
	}
	for i := range kh.entries {
		e := &kh.entries[i]
		if e.marker != "revoked" || !e.matches(name) {
			continue
		}
		if keys.Same(key, e.key) || (isCert && keys.Same(cert.SignatureKey, e.key)) {
			return hostRevoked, nil
		}
	}
	return status, found
}

// otherNames lists, for the ask prompt, the plain entries that hold key
// under some other name (hostkeys_find_by_key in OpenSSH).
func (kh *knownHosts) otherNames(key ssh.PublicKey, names ...string) []string {
	var out []string
	for i := range kh.entries {
		e := &kh.entries[i]
		// A command's lines exist only for the name it ran for.
		if e.marker != "" || e.fromCommand() || !keys.Same(key, e.key) || slices.ContainsFunc(names, e.matches) {
			continue
		}
		shown := e.hosts
		if strings.HasPrefix(shown, "|1|") {
			shown = "[hashed name]"
		}
		out = append(out, fmt.Sprintf("%s:%d: %s", e.file, e.line, shown))
	}
	return out
}

// hostKeyAlgorithms is the list offered in KEXINIT. A list the user
// wrote out is kept verbatim. Otherwise the configured list (OpenSSH
// 9.2's default, possibly with algorithms added or removed; never
// x/crypto's, which offers ssh-rsa) is ordered as sshconnect2.c
// order_hostkeyalgs orders it, so that a server with several host keys
// presents the one already known (golang/go#29286): when a key of the
// first algorithm's type is known the list stays as it is; otherwise the
// algorithms with a known key of their type, and every certificate
// algorithm when a @cert-authority line applies, move to the front, each
// part keeping the configured order. known are the entries that match the
// host.
func hostKeyAlgorithms(cfg *config.Config, known []*knownHostEntry) []string {
	list := cfg.HostKeyAlgorithms
	if len(list) == 0 {
		list = config.DefaultHostKeyAlgorithms()
	}
	if cfg.HostKeyAlgorithmsSet {
		return list
	}
	hasKey := func(algo string) bool {
		plain := plainKeyType(algo)
		return slices.ContainsFunc(known, func(e *knownHostEntry) bool { return e.marker == "" && e.key.Type() == plain })
	}
	if hasKey(list[0]) {
		return list
	}
	hasCA := slices.ContainsFunc(known, func(e *knownHostEntry) bool { return e.marker == "cert-authority" })
	var first, last []string
	for _, a := range list {
		if hasKey(a) || (hasCA && strings.HasSuffix(a, certSuffix)) {
			first = append(first, a)
		} else {
			last = append(last, a)
		}
	}
	return append(first, last...)
}

const certSuffix = "-cert-v01@openssh.com"

// plainKeyType is the type of the key an algorithm signs with, as
// sshkey_type_plain(sshkey_type_from_name()) gives it: a certificate
// algorithm's underlying key, "ssh-rsa" for the SHA-2 RSA signatures.
func plainKeyType(algo string) string {
	switch algo = strings.TrimSuffix(algo, certSuffix); algo {
	case ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512:
		return ssh.KeyAlgoRSA
	case "sk-ssh-ed25519":
		return ssh.KeyAlgoSKED25519
	case "sk-ecdsa-sha2-nistp256", "webauthn-sk-ecdsa-sha2-nistp256@openssh.com":
		return ssh.KeyAlgoSKECDSA256
	}
	return algo
}

// matching lists the entries that apply to name, in file order.
func (kh *knownHosts) matching(name string) []*knownHostEntry {
	var out []*knownHostEntry
	for i := range kh.entries {
		if kh.entries[i].matches(name) {
			out = append(out, &kh.entries[i])
		}
	}
	return out
}

// knownHostsName formats host and port the way known_hosts and OpenSSH's
// messages write them: "host" for port 22, "[host]:port" otherwise.
func knownHostsName(host string, port int) string {
	return strings.ToLower(skeema.Normalize(net.JoinHostPort(host, strconv.Itoa(port))))
}

// keyTypeName is OpenSSH's sshkey_type: "ED25519", "RSA-CERT", ...
func keyTypeName(key ssh.PublicKey) string {
	suffix := ""
	if c, ok := key.(*ssh.Certificate); ok {
		key, suffix = c.Key, "-CERT"
	}
	var name string
	switch t := key.Type(); {
	case t == ssh.KeyAlgoRSA:
		name = "RSA"
	case t == "ssh-dss": // x/crypto deprecates the constant; the name stays
		name = "DSA"
	case strings.HasPrefix(t, "ecdsa-sha2-"):
		name = "ECDSA"
	case t == ssh.KeyAlgoSKECDSA256:
		name = "ECDSA-SK"
	case t == ssh.KeyAlgoED25519:
		name = "ED25519"
	case t == ssh.KeyAlgoSKED25519:
		name = "ED25519-SK"
	default:
		name = strings.ToUpper(t)
	}
	return name + suffix
}

// Prompter asks the user a question and reads the answer, echoed, on the
// controlling terminal; tty.Prompter is one.
type Prompter interface {
	ReadLine(prompt string) (string, error)
}

// Options configure a Verifier.
type Options struct {
	// Config is the connection's resolved configuration: the known_hosts
	// files, StrictHostKeyChecking, CheckHostIP, HostKeyAlias and the rest.
	Config *config.Config
	Log    *sshlog.Logger
	// Prompter asks the ask prompt's question; nil: no prompts (BatchMode
	// or no terminal), a new key is then refused under "ask".
	Prompter Prompter
	// HomeDir is the user's home directory, whose .ssh may be created
	// when accept-new or a confirmed prompt adds a key.
	HomeDir string
	// Command is set when a command runs instead of a login shell (from
	// the command line; RemoteCommand is in Config): ssh then never asks
	// about UpdateHostKeys, so "ask" turns it off.
	Command bool
	// Pause, if set, stops the handshake's ConnectTimeout clock and
	// returns the function that starts it again: it is held while
	// KnownHostsCommand runs, as it is while a prompt waits.
	Pause func() (resume func())
}

// Verifier judges the server's host key for one connection, as OpenSSH's
// check_host_key does: its Check method is the connection's
// ssh.HostKeyCallback. It records whether the connection goes on with an
// untrusted key (StrictHostKeyChecking=no and a changed or revoked key),
// which restricts authentication and forwarding afterwards.
type Verifier struct {
	cfg      *config.Config
	log      *sshlog.Logger
	prompter Prompter // nil: no prompts (BatchMode or no terminal)
	kh       *knownHosts
	// name is what known_hosts is searched for: HostKeyAlias verbatim, or
	// HostName in "[host]:port" form.
	name string
	// untrusted is set when the key did not verify but the connection
	// continues (Untrusted).
	untrusted bool
	// home is the user's home directory, whose .ssh may be created.
	home string
	// commandLoaded is set once KnownHostsCommand ran for the server's
	// key, so that a re-key does not run it again.
	commandLoaded bool
	// pause holds the handshake's ConnectTimeout budget while
	// KnownHostsCommand runs; nil: none.
	pause func() (resume func())
	// readonly is check_host_key's RDONLY: with no UserKnownHostsFile,
	// or once a KnownHostsCommand line decided, nothing is written and a
	// new key is refused whatever StrictHostKeyChecking says.
	readonly bool
	// updateHostKeys is UpdateHostKeys as the host key check leaves it:
	// "yes", "ask", or "no" once check_host_key turned it off.
	updateHostKeys string
	// announced is set once the server's hostkeys-00 was handled.
	announced bool
	// ipName and checkIP are the server's address in known_hosts form
	// and whether CheckHostIP applies to it, from the host key check.
	ipName  string
	checkIP bool
}

// New reads the known_hosts files opts.Config names and returns the
// Verifier of one connection. Missing files and malformed lines are
// skipped, as in ssh.
func New(opts Options) *Verifier {
	cfg := opts.Config
	files := append(slices.Clone(cfg.UserKnownHostsFiles), cfg.GlobalKnownHostsFiles...)
	v := &Verifier{cfg: cfg, log: opts.Log, prompter: opts.Prompter, home: opts.HomeDir, pause: opts.Pause, kh: loadKnownHosts(files, opts.Log),
		updateHostKeys: cfg.UpdateHostKeys}
	if v.updateHostKeys == "" {
		v.updateHostKeys = "no"
	}
	// ssh.c asks only where a user watches an interactive session.
	if v.updateHostKeys == "ask" {
		switch {
		case (cfg.ControlPersistSet || cfg.ControlPersist > 0) && cfg.ControlPath != "":
			v.disableUpdate(config.LogDebug1, "UpdateHostKeys=ask is incompatible with ControlPersist; disabling")
		case opts.Command || cfg.RemoteCommand != "" || cfg.RequestTTY == config.RequestTTYNo:
			v.disableUpdate(config.LogDebug1, "UpdateHostKeys=ask is incompatible with remote command execution; disabling")
		case cfg.LogLevel < config.LogInfo:
			v.disableUpdate(config.LogDebug1, "")
		}
	}
	v.name = cfg.HostKeyAlias
	if v.name == "" {
		v.name = knownHostsName(cfg.HostName, cfg.Port)
	}
	return v
}

// Untrusted reports that the host key did not verify (changed or
// revoked) but StrictHostKeyChecking=no let the connection go on: the
// caller then skips password and keyboard-interactive authentication and
// sets up no forwardings, as ssh does.
func (v *Verifier) Untrusted() bool { return v.untrusted }

// verify is the verdict on the server's key once RevokedHostKeys and
// KnownHostsCommand have had their say (see Check).
func (v *Verifier) verify(_ string, remote net.Addr, key ssh.PublicKey) error {
	ipName, _, checkIP := v.address(remote)
	v.ipName, v.checkIP = ipName, checkIP
	_, presentedCert := key.(*ssh.Certificate)
	v.readonly = v.readonly || len(v.cfg.UserKnownHostsFiles) == 0
	var status hostStatus
	var found *knownHostEntry
	for {
		status, found = v.kh.check(v.name, key)
		v.readonly = v.readonly || found.fromCommand()
		if status == hostNew {
			if accepted, err := v.knownWithoutPort(key); accepted || err != nil {
				v.disableUpdate(config.LogDebug1, notTrusted)
				return err
			}
		}
		cert, isCert := key.(*ssh.Certificate)
		if !isCert || status == hostRevoked || (status == hostOK && v.acceptCert(cert)) {
			break
		}
		// No CA vouches for the certificate: OpenSSH retries with the
		// plain key inside it.
		key = cert.Key
	}
	desc := KeyDescriptor{Type: keyTypeName(key), Fingerprint: ssh.FingerprintSHA256(key)}
	// The address's verdict: its own entries for a plain key, the
	// host's otherwise (check_host_key's ip_status).
	ip := addressVerdict{name: ipName, status: status, found: found}
	if checkIP && !presentedCert {
		ip.status, ip.found = v.kh.check(ipName, key)
	}
	var err error
	switch status {
	case hostOK:
		v.log.Logf(config.LogDebug1, "Host '%s' is known and matches the %s host key.", v.name, desc.Type)
		if found != nil {
			what := "key"
			if found.marker == "cert-authority" {
				what = "CA key"
			}
			v.log.Logf(config.LogDebug1, "Found %s in %s:%d", what, found.file, found.line)
		}
		v.trustedForUpdate(key, found, ipName, checkIP)
		if checkIP && !presentedCert {
			v.addIP(ipName, key, desc)
		}
	case hostNew:
		err = v.newKey(ipName, checkIP && ip.status == hostNew, key, desc)
	case hostChanged:
		var spoofing []string
		if checkIP && (ip.status != hostChanged || (ip.found != nil && !keys.Same(ip.found.key, found.key))) {
			spoofing = v.spoofingLines(ip, desc)
		}
		err = v.changedKey(found, desc, spoofing)
	default:
		err = v.revokedKey(desc)
	}
	if err != nil || !checkIP || status == hostChanged || ip.status != hostChanged {
		return err
	}
	if status != hostOK {
		found = nil
	}
	return v.addressDiffers(ip, found, desc)
}

// addressVerdict is the server address's known_hosts name and what its
// entries say about the key.
type addressVerdict struct {
	name   string
	status hostStatus
	found  *knownHostEntry
}

// spoofingLines are ssh's warning for a host whose key changed while the
// address's entries say something else about it.
func (v *Verifier) spoofingLines(ip addressVerdict, desc KeyDescriptor) []string {
	state := "has a different value"
	switch ip.status {
	case hostNew:
		state = "is unknown"
	case hostOK:
		state = "is unchanged"
	}
	lines := []string{
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"@       WARNING: POSSIBLE DNS SPOOFING DETECTED!          @",
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"The " + desc.Type + " host key for " + v.name + " has changed,",
		"and the key for the corresponding IP address " + ip.name,
		state + ". This could either mean that",
		"DNS SPOOFING is happening or the IP address for the host",
		"and its host key have changed at the same time.",
	}
	if ip.status != hostNew && ip.found != nil {
		lines = append(lines,
			fmt.Sprintf("Offending key for IP in %s:%d", ip.found.file, ip.found.line),
			"  remove with:",
			fmt.Sprintf("  ssh-keygen -f \"%s\" -R \"%s\"", ip.found.file, ip.name))
	}
	return lines
}

// addressDiffers is check_host_key's last word when the host's key was
// accepted (known, new, or used untrusted) but the address's entry holds
// another key: one message, with the matching entry when the host's key
// was known (hostFound), then the ask prompt's yes/no question, or the
// refusal unless StrictHostKeyChecking is off.
func (v *Verifier) addressDiffers(ip addressVerdict, hostFound *knownHostEntry, desc KeyDescriptor) error {
	msg := fmt.Sprintf("Warning: the %s host key for '%s' differs from the key for the IP address '%s'\nOffending key for IP in %s:%d",
		desc.Type, v.name, ip.name, ip.found.file, ip.found.line)
	if hostFound != nil {
		msg += fmt.Sprintf("\nMatching host key in %s:%d", hostFound.file, hostFound.line)
	}
	switch v.cfg.StrictHostKeyChecking {
	case "ask", "":
		if !v.ask(msg+"\nAre you sure you want to continue connecting (yes/no)? ", "") {
			return v.fail(HostKeyAddressMismatch, desc)
		}
		return nil
	case "no", "off":
		v.log.Logf(config.LogInfo, "%s", msg)
		return nil
	}
	v.log.Logf(config.LogInfo, "%s", msg)
	return v.fail(HostKeyAddressMismatch, desc, "Exiting, you have requested strict checking.")
}

// address is the known_hosts name of the server's address, whether it
// is a loopback address, and whether CheckHostIP applies. As in ssh's
// check_host_key it does not on loopback (each machine's localhost is
// another host), through a proxy (no address), nor when HostName is
// written as the address with its port ("[ip]:port" on port 22 is "ip").
// Without HostKeyAlias it does not either when HostName is the bare
// address on another port: ssh's second look "without port identifier"
// (knownWithoutPort) then compares that address with HostName and turns
// CheckHostIP off for the rest of the check (measured with /usr/bin/ssh
// 9.2: "[192.0.2.2]:2222" alone is recorded, but "alias,[192.0.2.2]:2222"
// under HostKeyAlias alias).
func (v *Verifier) address(remote net.Addr) (ipName string, loopback, checkIP bool) {
	tcp, ok := remote.(*net.TCPAddr)
	if !ok {
		return v.name, false, false
	}
	ipName = knownHostsName(tcp.IP.String(), v.cfg.Port)
	loopback = tcp.IP.IsLoopback()
	host := strings.ToLower(v.cfg.HostName)
	checkIP = v.cfg.CheckHostIP && !loopback && host != ipName && (v.cfg.HostKeyAlias != "" || host != tcp.IP.String())
	return ipName, loopback, checkIP
}

// knownWithoutPort is check_host_key's second look, read-only and quiet,
// for a key that is new under "[host]:port" (measured with /usr/bin/ssh
// 9.2: "checking without port identifier"): the same checks under the
// bare host name, a certificate without a CA there falling back to its
// plain key. A key known there is accepted and nothing is written; for a
// certificate this happens before the fallback to its plain key could
// find another key listed for "[host]:port". A revoked one is reported
// under the bare name; with StrictHostKeyChecking off it is used
// untrusted, otherwise the caller goes on as for a new key. ssh runs
// KnownHostsCommand again for the bare name; gssh does not.
func (v *Verifier) knownWithoutPort(key ssh.PublicKey) (bool, error) {
	if v.cfg.HostKeyAlias != "" || v.cfg.Port == 22 {
		return false, nil
	}
	bare := strings.ToLower(v.cfg.HostName)
	for {
		status, _ := v.kh.check(bare, key)
		cert, isCert := key.(*ssh.Certificate)
		switch {
		case status == hostRevoked:
			desc := KeyDescriptor{Type: keyTypeName(key), Fingerprint: ssh.FingerprintSHA256(key)}
			lines := v.revokedLines(bare, desc)
			if v.strict() {
				for _, l := range lines {
					v.log.Logf(config.LogError, "%s", l)
				}
				return false, nil
			}
			return true, v.continueUnsafe(desc, lines)
		case status == hostOK && (!isCert || v.acceptCert(cert)):
			return true, nil
		case !isCert:
			return false, nil
		}
		key = cert.Key
	}
}

// notTrusted is ssh's reason for turning UpdateHostKeys off when the
// key was neither found under the host's name nor confirmed by the user.
const notTrusted = "check_host_key: hostkey not known or explicitly trusted: disabling UpdateHostkeys"

// trustedForUpdate applies check_host_key's rules for a known key to
// UpdateHostKeys: the server may not replace keys vouched for by a CA,
// listed in a GlobalKnownHostsFile (for the name or, with CheckHostIP,
// the address) or printed by KnownHostsCommand.
func (v *Verifier) trustedForUpdate(key ssh.PublicKey, found *knownHostEntry, ipName string, checkIP bool) {
	const fn = "check_host_key: "
	_, isCert := key.(*ssh.Certificate)
	if isCert {
		v.disableUpdate(config.LogDebug3, fn+"certificate host key in use; disabling UpdateHostkeys")
	}
	global := func(e *knownHostEntry) bool { return e != nil && slices.Contains(v.cfg.GlobalKnownHostsFiles, e.file) }
	ipGlobal := false
	if checkIP && !isCert {
		status, ipFound := v.kh.check(ipName, key)
		ipGlobal = status == hostOK && global(ipFound)
	}
	if global(found) || ipGlobal {
		v.disableUpdate(config.LogDebug3, fn+"host key found in GlobalKnownHostsFile; disabling UpdateHostkeys")
	}
	if found.fromCommand() {
		v.disableUpdate(config.LogDebug3, fn+"host key found via KnownHostsCommand; disabling UpdateHostkeys")
	}
}

// acceptCert is the check a certificate vouched for by a CA must still
// pass; a failure is reported, and the caller falls back to the plain key.
func (v *Verifier) acceptCert(cert *ssh.Certificate) bool {
	if err := v.validCert(cert); err != nil {
		v.log.Logf(config.LogError, "%v", err)
		return false
	}
	return true
}

// validCert checks what the CA match does not, in the order and with the
// reasons of OpenSSH 9.2's sshkey_cert_check_host (measured with
// /usr/bin/ssh 9.2): a host certificate, valid now by the local clock,
// naming this host (HostKeyAlias when set, else HostName; exactly, no
// wildcards) when it names any principal at all (one without principals
// is valid for every host), without critical options (none is defined
// for host certificates), signed with an algorithm CASignatureAlgorithms
// allows (so ssh-rsa, SHA-1, only when configured), and with a signature
// that verifies.
func (v *Verifier) validCert(cert *ssh.Certificate) error {
	principal := v.cfg.HostKeyAlias
	if principal == "" {
		principal = strings.ToLower(v.cfg.HostName)
	}
	allowed := v.cfg.CASignatureAlgorithms
	if len(allowed) == 0 {
		allowed = config.DefaultCASignatureAlgorithms()
	}
	now := uint64(time.Now().Unix())
	switch {
	case cert.CertType != ssh.HostCert:
		return errors.New("Certificate invalid: not a host certificate")
	case now < cert.ValidAfter:
		return errors.New("Certificate invalid: not yet valid")
	case now >= cert.ValidBefore:
		return errors.New("Certificate invalid: expired")
	case len(cert.ValidPrincipals) > 0 && !slices.Contains(cert.ValidPrincipals, principal):
		return errors.New("Certificate invalid: name is not a listed principal")
	case len(cert.CriticalOptions) > 0:
		return errors.New("Certificate contains unsupported critical options")
	case cert.Signature == nil || !config.MatchPatternList(cert.Signature.Format, strings.Join(allowed, ",")):
		return errors.New("Certificate signed with disallowed algorithm")
	}
	// Not ssh.CertChecker: it refuses a certificate without principals,
	// which OpenSSH accepts for any host (require_principal is 0 in
	// sshkey_cert_check_host). OpenSSH verifies the CA's signature when
	// it parses the key; gssh verifies it last.
	if err := cert.SignatureKey.Verify(signedBytes(cert), cert.Signature); err != nil {
		return fmt.Errorf("Certificate invalid: %w", err)
	}
	return nil
}

// signedBytes is the part of cert its CA signed: its wire form without
// the trailing signature string (PROTOCOL.certkeys).
func signedBytes(cert *ssh.Certificate) []byte {
	unsigned := *cert
	unsigned.Signature = nil
	b := unsigned.Marshal()
	return b[:len(b)-4]
}

// HostKeyProblem classifies a HostKeyError.
type HostKeyProblem int

// Host key problems, named after OpenSSH's HostStatus values.
const (
	// HostKeyUnknown: no key is known and StrictHostKeyChecking=yes, or
	// the user answered "no" at the ask prompt, or no prompt was possible.
	HostKeyUnknown HostKeyProblem = iota + 1
	// HostKeyChanged: known_hosts holds a different key for the host.
	HostKeyChanged
	// HostKeyRevoked: the key is marked @revoked, or RevokedHostKeys
	// lists it.
	HostKeyRevoked
	// HostKeyForwardingRefused: the key changed, StrictHostKeyChecking=no
	// let the connection go on, but ExitOnForwardFailure forbids the
	// forwardings that had to be cancelled.
	HostKeyForwardingRefused
	// HostKeyRevocationUnchecked: the RevokedHostKeys file could not be
	// read or parsed, so the key cannot be trusted (Err says why).
	HostKeyRevocationUnchecked
	// HostKeyAddressMismatch: with CheckHostIP, the server's address is
	// listed with another key than the host's, and StrictHostKeyChecking
	// or the user's answer refused it.
	HostKeyAddressMismatch
)

// HostKeyError reports a failed host key verification. Text is everything
// OpenSSH prints for it, ending in "Host key verification failed." (or the
// ExitOnForwardFailure message). OpenSSH prints it as separate log calls,
// so its lines are separated by "\r\n", except inside the one message
// that embeds "\n" itself (the fingerprint of a changed key): Text plus
// "\r\n" is ssh's stderr byte for byte.
type HostKeyError struct {
	Problem HostKeyProblem
	Host    string        // the known_hosts name: "[H]:P", "H" or HostKeyAlias
	Key     KeyDescriptor // the key the server sent
	Text    string
	// Err is the cause of a HostKeyRevocationUnchecked, else nil.
	Err error
}

// KeyDescriptor names a host key the way OpenSSH prints it.
type KeyDescriptor struct {
	Type        string // "ED25519", "RSA", "ECDSA", "ED25519-CERT", ...
	Fingerprint string // "SHA256:..."
}

func (e *HostKeyError) Error() string { return e.Text }

func (e *HostKeyError) Unwrap() error { return e.Err }

func (v *Verifier) fail(problem HostKeyProblem, desc KeyDescriptor, lines ...string) error {
	lines = append(lines, "Host key verification failed.")
	// Each line is its own log call in OpenSSH.
	return &HostKeyError{Problem: problem, Host: v.name, Key: desc, Text: strings.Join(lines, "\r\n")}
}

// newKey handles a host with no key in known_hosts.
func (v *Verifier) newKey(ipName string, checkIP bool, key ssh.PublicKey, desc KeyDescriptor) error {
	if v.readonly {
		return v.fail(HostKeyUnknown, desc)
	}
	switch v.cfg.StrictHostKeyChecking {
	case "yes":
		return v.fail(HostKeyUnknown, desc, fmt.Sprintf(
			"No %s host key is known for %s and you have requested strict checking.", desc.Type, v.name))
	case "accept-new", "no", "off":
		// Only a key the user confirmed is trusted enough to let the
		// server replace it later.
		v.disableUpdate(config.LogDebug1, notTrusted)
	default: // "ask", OpenSSH's default
		if !v.confirm(ipName, key, desc) {
			return v.fail(HostKeyUnknown, desc)
		}
	}
	names := []string{v.name}
	if checkIP {
		names = append(names, ipName)
	}
	if err := v.add(names, key); err != nil {
		v.log.Logf(config.LogInfo, "Failed to add the host to the list of known hosts (%s).", v.userFile())
		v.log.Logf(config.LogDebug1, "%v", err)
		return nil
	}
	v.log.Logf(config.LogInfo, "Warning: Permanently added '%s' (%s) to the list of known hosts.", strings.Join(names, ","), desc.Type)
	return nil
}

// confirm asks the user, with OpenSSH's exact wording, whether to trust
// a new key. Like OpenSSH's confirm(), anything but yes, no, an empty line
// or the fingerprint asks again.
func (v *Verifier) confirm(ipName string, key ssh.PublicKey, desc KeyDescriptor) bool {
	if v.prompter == nil {
		return false
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "The authenticity of host '%s (%s)' can't be established.\n", v.name, ipName)
	fmt.Fprintf(&msg, "%s key fingerprint is %s.\n", desc.Type, desc.Fingerprint)
	others := v.kh.otherNames(key, v.name, ipName)
	const maxOtherNames = 8
	if len(others) == 0 {
		msg.WriteString("This key is not known by any other names.\n")
	} else {
		msg.WriteString("This host key is known by the following other names/addresses:\n")
		for _, o := range others[:min(len(others), maxOtherNames)] {
			fmt.Fprintf(&msg, "    %s\n", o)
		}
		if len(others) > maxOtherNames {
			fmt.Fprintf(&msg, "    (%d additional names omitted)\n", len(others)-maxOtherNames)
		}
	}
	msg.WriteString("Are you sure you want to continue connecting (yes/no/[fingerprint])? ")
	return v.ask(msg.String(), desc.Fingerprint)
}

// ask is OpenSSH's confirm(): anything but yes, no, an empty line or
// (when fingerprint is set) the fingerprint asks again; no prompter, or
// an error reading the answer, is a no.
func (v *Verifier) ask(prompt, fingerprint string) bool {
	if v.prompter == nil {
		return false
	}
	again := "Please type 'yes' or 'no': "
	if fingerprint != "" {
		again = "Please type 'yes', 'no' or the fingerprint: "
	}
	for {
		answer, err := v.prompter.ReadLine(prompt)
		if err != nil {
			v.log.Logf(config.LogDebug1, "host key prompt: %v", err)
			return false
		}
		answer = strings.TrimLeft(answer, " \t")
		if i := strings.IndexAny(answer, " \t\n"); i >= 0 {
			answer = answer[:i]
		}
		switch {
		case answer == "" || strings.EqualFold(answer, "no"):
			return false
		case strings.EqualFold(answer, "yes") || (fingerprint != "" && answer == fingerprint):
			return true
		}
		prompt = again
	}
}

// addIP records the key for the IP address when CheckHostIP is on and the
// host name's entry already verified it.
func (v *Verifier) addIP(ipName string, key ssh.PublicKey, desc KeyDescriptor) {
	if status, _ := v.kh.check(ipName, key); status != hostNew {
		return
	}
	if v.readonly {
		v.log.Logf(config.LogInfo, "%s host key for IP address '%s' not in list of known hosts.", desc.Type, ipName)
		return
	}
	if err := v.add([]string{ipName}, key); err != nil {
		v.log.Logf(config.LogInfo, "Failed to add the %s host key for IP address '%s' to the list of known hosts (%s).", desc.Type, ipName, v.userFile())
		return
	}
	v.log.Logf(config.LogInfo, "Warning: Permanently added the %s host key for IP address '%s' to the list of known hosts.", desc.Type, ipName)
}

func (v *Verifier) userFile() string {
	if len(v.cfg.UserKnownHostsFiles) == 0 {
		return ""
	}
	return v.cfg.UserKnownHostsFiles[0]
}

// add appends key for names to the first UserKnownHostsFile, creating the
// file when missing (and ~/.ssh, but no other directory, as OpenSSH's
// add_host_to_hostfile does). Hashed entries get one line per name, as
// OpenSSH writes them.
func (v *Verifier) add(names []string, key ssh.PublicKey) error {
	file := v.userFile()
	if file == "" {
		return fmt.Errorf("no UserKnownHostsFile")
	}
	createUserSSHDir(file, v.home, v.log)
	keyText := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	var lines strings.Builder
	if v.cfg.HashKnownHosts {
		for _, n := range names {
			fmt.Fprintf(&lines, "%s %s\n", xknownhosts.HashHostname(n), keyText)
		}
	} else {
		fmt.Fprintf(&lines, "%s %s\n", strings.Join(names, ","), keyText)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	// Never glue the new entry onto a last line that lacks its newline.
	text := lines.String()
	if st, err := f.Stat(); err == nil && st.Size() > 0 && !endsInNewline(file, st.Size()) {
		text = "\n" + text
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// createUserSSHDir is hostfile.c's hostfile_create_user_ssh_dir with
// notify off, as add_host_to_hostfile calls it: when file is directly in
// the user's ~/.ssh and that directory is missing, make it (0700) without
// a word; errors are logged. Any other missing directory is left alone, so
// that adding the key then fails with "Failed to add the host ...".
func createUserSSHDir(file, home string, log *sshlog.Logger) {
	i := strings.LastIndexByte(file, '/')
	if i < 0 || home == "" {
		return
	}
	dotSSH := strings.TrimSuffix(home, "/") + "/.ssh"
	if file[:i] != dotSSH {
		return
	}
	_, err := os.Stat(dotSSH)
	switch {
	case err == nil:
	case !errors.Is(err, fs.ErrNotExist):
		log.Logf(config.LogError, "Could not stat %s: %s", dotSSH, config.Strerror(err))
	default:
		if err := os.Mkdir(dotSSH, 0o700); err != nil {
			log.Logf(config.LogError, "Could not create directory '%s' (%s).", dotSSH, config.Strerror(err))
		}
	}
}

func endsInNewline(file string, size int64) bool {
	f, err := os.Open(file)
	if err != nil {
		return true
	}
	defer f.Close()
	last := make([]byte, 1)
	_, err = f.ReadAt(last, size-1)
	return err != nil || last[0] == '\n'
}

// changedKey handles a host whose known key differs from the one sent.
func (v *Verifier) changedKey(found *knownHostEntry, desc KeyDescriptor, spoofing []string) error {
	lines := append(spoofing,
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
		"Someone could be eavesdropping on you right now (man-in-the-middle attack)!",
		"It is also possible that a host key has just been changed.",
		"The fingerprint for the "+desc.Type+" key sent by the remote host is\n"+desc.Fingerprint+".",
		"Please contact your system administrator.",
		"Add correct host key in "+v.userFile()+" to get rid of this message.",
		fmt.Sprintf("Offending %s key in %s:%d", keyTypeName(found.key), found.file, found.line),
		"  remove with:",
		fmt.Sprintf("  ssh-keygen -f \"%s\" -R \"%s\"", found.file, v.name),
	)
	if v.cfg.StrictHostKeyChecking != "no" && v.cfg.StrictHostKeyChecking != "off" {
		lines = append(lines, "Host key for "+v.name+" has changed and you have requested strict checking.")
		return v.fail(HostKeyChanged, desc, lines...)
	}
	return v.continueUnsafe(desc, lines)
}

// revokedKey handles a key marked @revoked for the host.
func (v *Verifier) revokedKey(desc KeyDescriptor) error {
	lines := v.revokedLines(v.name, desc)
	if v.strict() {
		return v.fail(HostKeyRevoked, desc, lines...)
	}
	return v.continueUnsafe(desc, lines)
}

// revokedLines are ssh's words for a key marked @revoked for name,
// ending with the refusal unless StrictHostKeyChecking is off.
func (v *Verifier) revokedLines(name string, desc KeyDescriptor) []string {
	lines := []string{
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"@       WARNING: REVOKED HOST KEY DETECTED!               @",
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
		"The " + desc.Type + " host key for " + name + " is marked as revoked.",
		"This could mean that a stolen key is being used to",
		"impersonate this host.",
	}
	if v.strict() {
		lines = append(lines, desc.Type+" host key for "+name+" was revoked and you have requested strict checking.")
	}
	return lines
}

// strict reports whether a changed or revoked key ends the connection
// (every StrictHostKeyChecking but off).
func (v *Verifier) strict() bool {
	return v.cfg.StrictHostKeyChecking != "no" && v.cfg.StrictHostKeyChecking != "off"
}

// continueUnsafe is OpenSSH's answer to StrictHostKeyChecking=no with a
// changed or revoked key: print the warning, then connect anyway but
// without the methods and forwardings a man in the middle could abuse.
// The caller's authentication skips password and keyboard-interactive
// once Untrusted reports it, and the connection must not forward
// (client's Conn.HostKeyUntrusted).
func (v *Verifier) continueUnsafe(desc KeyDescriptor, lines []string) error {
	for _, l := range lines {
		v.log.Logf(config.LogError, "%s", l)
	}
	v.untrusted = true
	cfg := v.cfg
	cancelled := false
	if cfg.PasswordAuthentication {
		v.log.Logf(config.LogError, "Password authentication is disabled to avoid man-in-the-middle attacks.")
		cancelled = true
	}
	if cfg.KbdInteractiveAuthentication {
		v.log.Logf(config.LogError, "Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.")
		cancelled = true
	}
	if cfg.ForwardAgent != "" && cfg.ForwardAgent != "no" {
		v.log.Logf(config.LogError, "Agent forwarding is disabled to avoid man-in-the-middle attacks.")
		cancelled = true
	}
	if cfg.ForwardX11 {
		v.log.Logf(config.LogError, "X11 forwarding is disabled to avoid man-in-the-middle attacks.")
		cancelled = true
	}
	if len(cfg.LocalForwards) > 0 || len(cfg.RemoteForwards) > 0 || len(cfg.DynamicForwards) > 0 {
		v.log.Logf(config.LogError, "Port forwarding is disabled to avoid man-in-the-middle attacks.")
		cancelled = true
	}
	v.disableUpdate(config.LogError, "UpdateHostkeys is disabled because the host key is not trusted.")
	if cfg.ExitOnForwardFailure && cancelled {
		return &HostKeyError{Problem: HostKeyForwardingRefused, Host: v.name, Key: desc,
			Text: "Error: forwarding disabled due to host key check failure"}
	}
	return nil
}
