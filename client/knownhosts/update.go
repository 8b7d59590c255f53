package knownhosts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/keys"
)

// UpdateHostKeys follows OpenSSH 9.2: clientloop.c client_input_hostkeys
// (Announce), client_global_hostkeys_prove_confirm (Prove) and
// update_known_hosts (Apply), and hostfile.c hostfile_replace_entries
// (replaceEntries). The protocol is PROTOCOL §2.5: after authentication
// the server lists all its host keys in a hostkeys-00@openssh.com global
// request; the client asks it, with hostkeys-prove-00@openssh.com, to
// sign "hostkeys-prove-00@openssh.com" || session identifier || key blob
// with each key it did not know, and only then rewrites known_hosts.
//
// Whether the connection may learn keys at all is decided while the host
// key is checked (check_host_key turns UpdateHostKeys off): only a plain
// key found in a UserKnownHostsFile under the host's own name (or one the
// user accepted at the ask prompt) counts as trusted; a certificate, a
// key from a GlobalKnownHostsFile or KnownHostsCommand, a key found under
// the name without port, accept-new, NoHostAuthenticationForLocalhost and
// StrictHostKeyChecking=no with a changed key all turn it off.

// HostKeyUpdate is the client's side of one hostkeys-00@openssh.com
// announcement: the server's keys, which of them known_hosts already
// holds, and the deprecated keys to remove. Announce makes it, Unproven
// lists the keys the server must prove, Prove checks its signatures and
// Apply rewrites the files.
type HostKeyUpdate struct {
	v        *Verifier
	mode     string // UpdateHostKeys when the announcement came: "yes" or "ask"
	host, ip string // ctx->host_str and ctx->ip_str; ip is "" without CheckHostIP
	keys     []ssh.PublicKey
	match    []lineMatch // per key: where known_hosts already has it
	verified []bool      // per key: proven by the server
	old      []ssh.PublicKey
}

// lineMatch says which of the host's names a known_hosts line matches
// (HKF_MATCH_HOST, HKF_MATCH_IP).
type lineMatch uint8

const (
	matchHost lineMatch = 1 << iota
	matchIP
)

// hostLine is one line of a known_hosts file as hostkeys_foreach sees it.
type hostLine struct {
	text   string
	key    ssh.PublicKey // nil for comments, blank and invalid lines
	broken bool          // not a comment, but does not parse
	marker string
	hosts  string // the host field as written
	match  lineMatch
}

// ProveRequest is the name of the global request that asks the server to
// prove it holds the private halves of the keys it announced.
const ProveRequest = "hostkeys-prove-00@openssh.com"

// AnnounceRequest is the name of the server's global request listing its
// host keys.
const AnnounceRequest = "hostkeys-00@openssh.com"

// UpdateMode is UpdateHostKeys for this connection once the host key
// was checked: "yes", "ask" or "no" (turned off by check_host_key or by
// ControlPersist with ask, as ssh.c does).
func (v *Verifier) UpdateMode() string { return v.updateHostKeys }

// disableUpdate turns UpdateHostKeys off, logging why (at level, as
// ssh logs it) unless it was off already.
func (v *Verifier) disableUpdate(level config.LogLevel, why string) {
	if v.updateHostKeys == "no" {
		return
	}
	v.updateHostKeys = "no"
	if why != "" {
		v.log.Logf(level, "%s", why)
	}
}

// Announce is client_input_hostkeys: it parses the payload of the
// server's hostkeys-00@openssh.com request and compares the keys with the
// UserKnownHostsFiles. It returns nil when there is nothing to do or the
// update must be skipped (wildcard or CA lines for the host, a key known
// under another name, ...), each logged at debug level as ssh logs it.
func (v *Verifier) Announce(payload []byte) *HostKeyUpdate {
	const fn = "client_input_hostkeys: "
	if v.announced {
		// ssh ends the connection (fatal); sshd never sends it twice.
		v.log.Logf(config.LogError, fn+"server already sent hostkeys")
		return nil
	}
	if v.updateHostKeys == "no" || (v.updateHostKeys == "ask" && v.cfg.BatchMode) || len(v.cfg.UserKnownHostsFiles) == 0 {
		return nil
	}
	v.announced = true
	u := &HostKeyUpdate{v: v, mode: v.updateHostKeys, host: v.name}
	if v.checkIP {
		u.ip = v.ipName
	}
	for rest := payload; len(rest) > 0; {
		var field struct {
			Blob []byte
			Rest []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(rest, &field); err != nil {
			v.log.Logf(config.LogError, fn+"parse key: %v", err)
			return nil
		}
		rest = field.Rest
		key, err := ssh.ParsePublicKey(field.Blob)
		if err != nil {
			v.log.Logf(config.LogDebug1, fn+"convert key: %v", err)
			continue
		}
		v.log.Logf(config.LogDebug3, fn+"received %s key %s", keyTypeName(key), ssh.FingerprintSHA256(key))
		if !v.acceptedByHostKeyAlgorithms(key) {
			v.log.Logf(config.LogDebug3, fn+"%s key not permitted by HostkeyAlgorithms", key.Type())
			continue
		}
		if _, isCert := key.(*ssh.Certificate); isCert {
			v.log.Logf(config.LogDebug3, fn+"%s key is a certificate; skipping", key.Type())
			continue
		}
		if slices.ContainsFunc(u.keys, func(k ssh.PublicKey) bool { return keys.Same(k, key) }) {
			v.log.Logf(config.LogError, fn+"received duplicated %s host key", key.Type())
			return nil
		}
		u.keys = append(u.keys, key)
	}
	if len(u.keys) == 0 {
		v.log.Logf(config.LogDebug1, fn+"server sent no hostkeys")
		return nil
	}
	u.match = make([]lineMatch, len(u.keys))
	u.verified = make([]bool, len(u.keys))
	files := map[string][]hostLine{}
	complexSpec, otherName := false, false
	for _, file := range v.cfg.UserKnownHostsFiles {
		ipShown := u.ip
		if ipShown == "" {
			ipShown = "(none)"
		}
		v.log.Logf(config.LogDebug1, fn+"searching %s for %s / %s", file, u.host, ipShown)
		lines, err := u.readLines(file)
		if errors.Is(err, fs.ErrNotExist) {
			v.log.Logf(config.LogDebug1, fn+"hostkeys file %s does not exist", file)
			continue
		}
		if err != nil {
			v.log.Logf(config.LogError, fn+"hostkeys_foreach failed for %s: %s", file, config.Strerror(err))
			return nil
		}
		files[file] = lines
		for n, l := range lines {
			c, o := u.find(file, n+1, l)
			complexSpec, otherName = complexSpec || c, otherName || o
		}
	}
	nnew := 0
	for _, m := range u.match {
		if m == 0 {
			nnew++
		}
	}
	v.log.Logf(config.LogDebug3, fn+"%d server keys: %d new, %d to remove", len(u.keys), nnew, len(u.old))
	switch {
	case nnew == 0 && len(u.old) == 0:
		v.log.Logf(config.LogDebug1, fn+"no new or deprecated keys from server")
		return nil
	case complexSpec:
		v.log.Logf(config.LogDebug1, fn+"CA/revocation marker, manual host list or wildcard host pattern found, skipping UserKnownHostsFile update")
		return nil
	case otherName:
		v.log.Logf(config.LogDebug1, fn+"host key found matching a different name/address, skipping UserKnownHostsFile update")
		return nil
	}
	// Removing keys that are also known under other names would leave
	// those names (CheckHostIP entries, say) inconsistent.
	for _, file := range v.cfg.UserKnownHostsFiles {
		for _, l := range files[file] {
			if l.match == 0 && l.key != nil && slices.ContainsFunc(u.old, func(k ssh.PublicKey) bool { return keys.Same(k, l.key) }) {
				ips := ""
				if u.ip != "" {
					ips = "," + u.ip
				}
				v.log.Logf(config.LogDebug1, fn+"key(s) for %s%s exist under other names; skipping UserKnownHostsFile update", u.host, ips)
				return nil
			}
		}
	}
	return u
}

// find is hostkeys_find for one line: it marks the server's keys the
// line holds for the host, records a key of the host the server no
// longer has, and reports the lines that stop the update: CA or revoked
// markers, wildcards and lists of more than host and address (complex),
// and a server key under another name (other).
func (u *HostKeyUpdate) find(file string, n int, l hostLine) (complexSpec, other bool) {
	const fn = "hostkeys_find: "
	if l.key == nil {
		return false, false
	}
	if l.match == 0 {
		for _, k := range u.keys {
			if keys.Same(k, l.key) {
				u.v.log.Logf(config.LogDebug3, fn+"found %s key under different name/addr at %s:%d", k.Type(), file, n)
				return false, true
			}
		}
		return false, false
	}
	if l.marker != "" {
		u.v.log.Logf(config.LogDebug3, fn+"hostkeys file %s:%d has CA/revocation marker", file, n)
		return true, false
	}
	if u.ip != "" && strings.Contains(l.hosts, ",") {
		if l.match&matchHost == 0 {
			u.v.log.Logf(config.LogDebug3, fn+"found address %s against different hostname at %s:%d", u.ip, file, n)
			return false, true
		}
		if l.match&matchIP == 0 {
			u.v.log.Logf(config.LogDebug3, fn+"found hostname %s against different address at %s:%d", u.host, file, n)
			other = true
		}
	}
	if hostspecIsComplex(l.hosts) {
		u.v.log.Logf(config.LogDebug3, fn+"hostkeys file %s:%d complex host specification", file, n)
		return true, other
	}
	for i, k := range u.keys {
		if keys.Same(k, l.key) {
			u.v.log.Logf(config.LogDebug3, fn+"found %s key at %s:%d", k.Type(), file, n)
			u.match[i] |= l.match
			return false, other
		}
	}
	u.v.log.Logf(config.LogDebug3, fn+"deprecated %s key at %s:%d", l.key.Type(), file, n)
	u.old = append(u.old, l.key)
	return false, other
}

// hostspecIsComplex: a wildcard, or more than "host,address".
func hostspecIsComplex(hosts string) bool {
	return strings.ContainsAny(hosts, "*?") || strings.Count(hosts, ",") > 1
}

// acceptedByHostKeyAlgorithms is key_accepted_by_hostkeyalgs: the key's
// type must be in HostKeyAlgorithms, an RSA key through either SHA-2
// signature name.
func (v *Verifier) acceptedByHostKeyAlgorithms(key ssh.PublicKey) bool {
	list := v.cfg.HostKeyAlgorithms
	if len(list) == 0 {
		list = config.DefaultHostKeyAlgorithms()
	}
	algos := strings.Join(list, ",")
	if key.Type() == ssh.KeyAlgoRSA && (config.MatchPatternList(ssh.KeyAlgoRSASHA256, algos) || config.MatchPatternList(ssh.KeyAlgoRSASHA512, algos)) {
		return true
	}
	return config.MatchPatternList(key.Type(), algos)
}

// Unproven lists the announced keys known_hosts does not hold: the
// server must sign for them (ProveRequest) before they are added. None
// means the update only removes keys or completes entries.
func (u *HostKeyUpdate) Unproven() []ssh.PublicKey {
	var out []ssh.PublicKey
	for i, k := range u.keys {
		if u.match[i] == 0 {
			out = append(out, k)
		}
	}
	return out
}

// ProvePayload is the body of the ProveRequest: the unproven keys' blobs.
func (u *HostKeyUpdate) ProvePayload() []byte {
	var b []byte
	for _, k := range u.Unproven() {
		b = append(b, ssh.Marshal(struct{ Blob []byte }{k.Marshal()})...)
	}
	return b
}

// proofRSAAlgorithms are the RSA signatures a proof may use when the key
// exchange did not use an RSA host key (HOSTKEY_PROOF_RSA_ALGS).
const proofRSAAlgorithms = "rsa-sha2-512,rsa-sha2-256"

// Prove is client_global_hostkeys_prove_confirm: ok and reply are the
// server's answer to the ProveRequest, sessionID the connection's session
// identifier and kexHostKeyAlgorithm the host key algorithm of the key
// exchange. Each signature must verify over "hostkeys-prove-00@openssh.com"
// || session identifier || key blob; one bad signature abandons the whole
// update. An RSA proof must use the key exchange's RSA algorithm, or
// SHA-2 when the exchange used another key type (a SHA-1 proof then only
// drops that key). It reports whether Apply may go on.
func (u *HostKeyUpdate) Prove(ok bool, reply, sessionID []byte, kexHostKeyAlgorithm string) bool {
	const fn = "client_global_hostkeys_prove_confirm: "
	log := u.v.log
	if !ok {
		log.Logf(config.LogError, "Server failed to confirm ownership of private host keys")
		return false
	}
	rsaKexAlg := ""
	if plainKeyType(kexHostKeyAlgorithm) == ssh.KeyAlgoRSA {
		rsaKexAlg = kexHostKeyAlgorithm
	}
	rest := reply
	for i, k := range u.keys {
		if u.match[i] != 0 {
			continue
		}
		signed := ssh.Marshal(struct {
			Name      string
			SessionID []byte
			Key       []byte
		}{ProveRequest, sessionID, k.Marshal()})
		var field struct {
			Sig  []byte
			Rest []byte `ssh:"rest"`
		}
		if err := ssh.Unmarshal(rest, &field); err != nil {
			log.Logf(config.LogError, fn+"parse sig: %v", err)
			return false
		}
		rest = field.Rest
		var sig ssh.Signature
		if err := ssh.Unmarshal(field.Sig, &sig); err != nil {
			log.Logf(config.LogError, fn+"server gave unintelligible signature for %s key %d: %v", keyTypeName(k), i, err)
			return false
		}
		isRSA := k.Type() == ssh.KeyAlgoRSA
		if isRSA && rsaKexAlg == "" && !config.MatchPatternList(sig.Format, proofRSAAlgorithms) {
			log.Logf(config.LogDebug1, fn+"server used untrusted RSA signature algorithm %s for key %d, disregarding", sig.Format, i)
			u.keys[i] = nil
			continue
		}
		log.Logf(config.LogDebug3, fn+"verify %s key %d using sigalg %s", keyTypeName(k), i, sig.Format)
		err := k.Verify(signed, &sig)
		if err == nil && isRSA && rsaKexAlg != "" && !sameRSAHash(sig.Format, rsaKexAlg) {
			err = errors.New("incorrect signature")
		}
		if err != nil {
			log.Logf(config.LogError, fn+"server gave bad signature for %s key %d: incorrect signature", keyTypeName(k), i)
			return false
		}
		u.verified[i] = true
	}
	if len(rest) != 0 {
		log.Logf(config.LogError, fn+"protocol error")
		return false
	}
	return true
}

// sameRSAHash is ssh_rsa_verify's check that a signature uses the hash
// the algorithm names (the ssh-rsa certificate name allows any).
func sameRSAHash(sigFormat, algo string) bool {
	if algo == ssh.CertAlgoRSAv01 {
		return true
	}
	return sigFormat == strings.TrimSuffix(algo, certSuffix)
}

// Apply is update_known_hosts: it logs the keys learned and deprecated
// (at VERBOSE, or INFO before the ask prompt), asks under
// UpdateHostKeys=ask, then rewrites each existing UserKnownHostsFile:
// the host's lines for keys the server no longer has go, and new keys
// are appended to the first file (hashed when HashKnownHosts says so).
// prompter asks the question; nil refuses.
func (u *HostKeyUpdate) Apply(prompter Prompter) {
	v := u.v
	asking := u.mode == "ask"
	level := config.LogVerbose
	if asking {
		level = config.LogInfo
	}
	first := true
	preamble := func() {
		if first && asking {
			v.log.Logf(level, "The server has updated its host keys.")
			v.log.Logf(level, "These changes were verified by the server's existing trusted key.")
		}
		first = false
	}
	for i, k := range u.keys {
		if u.verified[i] && k != nil {
			preamble()
			v.log.Logf(level, "Learned new hostkey: %s %s", keyTypeName(k), ssh.FingerprintSHA256(k))
		}
	}
	for _, k := range u.old {
		preamble()
		v.log.Logf(level, "Deprecating obsolete hostkey: %s %s", keyTypeName(k), ssh.FingerprintSHA256(k))
	}
	if asking && !u.confirm(prompter, level) {
		return
	}
	for i, file := range v.cfg.UserKnownHostsFiles {
		if _, err := os.Stat(file); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				v.log.Logf(config.LogDebug1, "update_known_hosts: known hosts file %s does not exist", file)
			} else {
				v.log.Logf(config.LogError, "update_known_hosts: known hosts file %s inaccessible: %s", file, config.Strerror(err))
			}
			continue
		}
		// Keys are added to the first file only; from the others the
		// host's lines are just removed.
		var add []ssh.PublicKey
		if i == 0 {
			add = u.keys
		}
		if err := u.replaceEntries(file, add); err != nil {
			v.log.Logf(config.LogError, "update_known_hosts: hostfile_replace_entries failed for %s: %v", file, err)
		}
	}
}

// confirm asks "Accept updated hostkeys? (yes/no): " up to three times,
// as update_known_hosts does; anything but "yes" refuses.
func (u *HostKeyUpdate) confirm(prompter Prompter, level config.LogLevel) bool {
	if prompter == nil {
		return false
	}
	for range 3 {
		answer, err := prompter.ReadLine("Accept updated hostkeys? (yes/no): ")
		switch {
		case err == nil && strings.EqualFold(answer, "yes"):
			return true
		case err != nil || strings.EqualFold(answer, "no"):
			return false
		}
		u.v.log.Logf(level, "Please enter \"yes\" or \"no\"")
	}
	return false
}

// readLines reads a known_hosts file and matches each line against the
// host's name and address, as hostkeys_foreach does.
func (u *HostKeyUpdate) readLines(file string) ([]hostLine, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, nil
	}
	var lines []hostLine
	for _, t := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		l := hostLine{text: t}
		if isBlankOrComment([]byte(t)) {
			lines = append(lines, l)
			continue
		}
		marker, _, key, _, _, err := ssh.ParseKnownHosts([]byte(t))
		if err != nil || (marker != "" && marker != "cert-authority" && marker != "revoked") {
			l.broken = true
			lines = append(lines, l)
			continue
		}
		fields := strings.Fields(t)
		if marker != "" {
			fields = fields[1:]
		}
		l.marker, l.hosts, l.key = marker, fields[0], key
		if u.matches(l.hosts, u.host) {
			l.match |= matchHost
		}
		if u.ip != "" && u.matches(l.hosts, u.ip) {
			l.match |= matchIP
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// matches is match_maybe_hashed: a hashed field holds one name.
func (u *HostKeyUpdate) matches(hosts, name string) bool {
	if strings.HasPrefix(hosts, "|1|") {
		return hashedMatch(hosts, name)
	}
	return config.MatchHostname(name, hosts)
}

// replaceEntries is hostfile_replace_entries: it rewrites file without
// the host's lines that hold none of add (CA and revocation lines stay),
// appends the keys of add the file does not hold under every name wanted
// (the host, and its address with CheckHostIP), and keeps the previous
// file as file.old. Nothing is written when nothing changes.
func (u *HostKeyUpdate) replaceEntries(file string, add []ssh.PublicKey) error {
	log := u.v.log
	lines, err := u.readLines(file)
	if err != nil {
		return err
	}
	var out strings.Builder
	modified := false
	found := make([]lineMatch, len(add))
	for n, l := range lines {
		if l.match != 0 && l.key != nil && l.marker == "" {
			if i := slices.IndexFunc(add, func(k ssh.PublicKey) bool { return k != nil && keys.Same(k, l.key) }); i >= 0 {
				found[i] |= l.match
				log.Logf(config.LogDebug3, "host_delete: %s key already at %s:%d", keyTypeName(l.key), file, n+1)
			} else {
				log.Logf(config.LogVerbose, "%s:%d: Removed %s key for host %s", file, n+1, keyTypeName(l.key), u.host)
				modified = true
				continue
			}
		}
		if l.broken {
			log.Logf(config.LogVerbose, "%s:%d: invalid known_hosts entry", file, n+1)
		}
		out.WriteString(l.text + "\n")
	}
	want := matchHost
	if u.ip != "" {
		want |= matchIP
	}
	for i, k := range add {
		if k == nil || found[i]&want == want {
			continue
		}
		var what string
		switch missing := want &^ found[i]; {
		case found[i] == 0:
			what = "Adding new key"
			u.writeEntry(&out, u.host, u.ip, k)
		case missing == matchHost:
			what = "Fixing match (hostname)"
			u.writeEntry(&out, u.host, "", k)
		case missing == matchIP:
			what = "Fixing match (address)"
			u.writeEntry(&out, u.ip, "", k)
		}
		ips := ""
		if u.ip != "" {
			ips = "," + u.ip
		}
		log.Logf(config.LogVerbose, "%s for %s%s to %s: %s %s", what, u.host, ips, file, k.Type(), ssh.FingerprintSHA256(k))
		modified = true
	}
	if !modified {
		return nil
	}
	return replaceFile(file, out.String())
}

// writeEntry is write_host_entry: "host,ip key", or with HashKnownHosts
// one hashed line per name.
func (u *HostKeyUpdate) writeEntry(out *strings.Builder, host, ip string, key ssh.PublicKey) {
	keyText := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	host = strings.ToLower(host)
	switch {
	case u.v.cfg.HashKnownHosts:
		fmt.Fprintf(out, "%s %s\n", xknownhosts.HashHostname(host), keyText)
		if ip != "" {
			fmt.Fprintf(out, "%s %s\n", xknownhosts.HashHostname(strings.ToLower(ip)), keyText)
		}
	case ip != "":
		fmt.Fprintf(out, "%s,%s %s\n", host, ip, keyText)
	default:
		fmt.Fprintf(out, "%s %s\n", host, keyText)
	}
}

// replaceFile writes text to a new file (mode 0600, as mkstemp under
// umask 077 makes it) beside file, keeps file as file.old (a hard link)
// and renames the new file over file.
func replaceFile(file, text string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("mkstemp: %w", err)
	}
	_, err = tmp.WriteString(text)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	back := file + ".old"
	if err := os.Remove(back); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.Remove(tmp.Name())
		return fmt.Errorf("unlink %s: %w", back, err)
	}
	if err := os.Link(file, back); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("link %s to %s: %w", file, back, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("rename %s to %s: %w", tmp.Name(), file, err)
	}
	return nil
}
