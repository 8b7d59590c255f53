package client

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/keys"
)

// Which keys publickey authentication offers, in which order, and which
// private key signs for a certificate: ssh.c's load_public_identity_files
// and sshconnect2.c's pubkey_prepare and sign_and_send_pubkey of OpenSSH
// 9.2, checked against /usr/bin/ssh.
//
//   - CertificateFile certificates come first, in the order given. A
//     certificate is signed by the first other key in the list with the
//     same key material that is not a certificate: an IdentityFile key
//     (-i), or an agent key, also one held only by the agent. Failing
//     that, by an IdentityFile whose public half is unknown and whose name
//     is the certificate's without ".pub" or "-cert.pub"; failing that,
//     ssh loads the certificate's own file as the private key, and fails
//     with "Load key".
//   - Then the agent's keys that are also IdentityFiles, in the agent's
//     order; then the agent's other keys, unless IdentitiesOnly.
//   - Then the remaining IdentityFiles, in order, each followed by the
//     certificate PATH-cert(.pub) next to it. That certificate is read
//     only when no CertificateFile is configured.
//   - An IdentityFile may itself be a certificate (-i key-cert.pub); it
//     is signed as a CertificateFile certificate is.
//   - Host certificates are ignored, and PubkeyAcceptedAlgorithms filters
//     the whole list.

// identity is one candidate key for publickey authentication.
type identity struct {
	// pub is what is offered to the server; a certificate for
	// "-cert.pub" and CertificateFile identities. nil for an encrypted
	// PEM key without a .pub file, known only after decryption.
	pub ssh.PublicKey
	// file is the private key's path; "" for keys only in the agent. For
	// a CertificateFile, and an IdentityFile that is a certificate, it is
	// the certificate's path, which ssh also tries as the private key
	// when no other identity holds it.
	file string
	// agent signs when the agent holds the key.
	agent ssh.Signer
	// userProvided marks IdentityFile/CertificateFile entries the user
	// set, whose absence is reported (OpenSSH's id->userprovided).
	userProvided bool
	// comment is the agent's comment for a key only in the agent, which
	// ssh shows in place of a file name.
	comment string
}

// isCert reports whether pub is a certificate, parsed from a file or
// listed by the agent.
func isCert(pub ssh.PublicKey) bool {
	return pub != nil && strings.HasSuffix(pub.Type(), "-cert-v01@openssh.com")
}

// signerFor returns the signer offered for id. File keys sign lazily: the
// passphrase is asked only once the server has accepted the public key,
// as OpenSSH does. Only an encrypted key whose public half is unknown is
// decrypted up front.
func (a *authenticator) signerFor(id *identity) (ssh.Signer, error) {
	if id.agent != nil {
		return id.agent, nil
	}
	if id.pub == nil {
		priv, err := a.loadPrivate(id)
		if err != nil {
			return nil, err
		}
		id.pub = priv.PublicKey()
	}
	if !isCert(id.pub) {
		return &lazySigner{a: a, key: id, pub: id.pub}, nil
	}
	key := a.certKey(id)
	if key.agent != nil {
		if cert, ok := id.pub.(*ssh.Certificate); ok {
			return ssh.NewCertSigner(cert, key.agent)
		}
	}
	return &lazySigner{a: a, key: key, pub: id.pub}, nil
}

// certKey is the identity whose private key signs for the certificate
// identity cert (sign_and_send_pubkey): the first other identity with the
// same key material that is not a certificate, else one whose public half
// is unknown and whose file the certificate's name points to, else cert
// itself.
func (a *authenticator) certKey(cert *identity) *identity {
	for _, id := range a.identities {
		if id.pub != nil && !isCert(id.pub) && keys.Same(id.pub, cert.pub) {
			return id
		}
	}
	for _, id := range a.identities {
		if id.pub == nil && id.file != "" && (cert.file == id.file ||
			cert.file == id.file+".pub" || cert.file == id.file+"-cert.pub") {
			return id
		}
	}
	a.log.Logf(config.LogDebug1, "sign_and_send_pubkey: no separate private key for certificate \"%s\"", cert.file)
	return cert
}

// lazySigner signs for pub with the private key in key's file, decrypting
// it on first use.
type lazySigner struct {
	a   *authenticator
	key *identity
	pub ssh.PublicKey
}

func (s *lazySigner) PublicKey() ssh.PublicKey { return s.pub }

func (s *lazySigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	return s.SignWithAlgorithm(rand, data, "")
}

// SignWithAlgorithm lets x/crypto choose rsa-sha2-256/512 for RSA keys.
// For a certificate identity x/crypto passes the underlying algorithm,
// which the private key signs with.
func (s *lazySigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	priv, err := s.a.loadPrivate(s.key)
	if err != nil {
		return nil, err
	}
	if as, ok := priv.(ssh.AlgorithmSigner); ok && algorithm != "" {
		return as.SignWithAlgorithm(rand, data, algorithm)
	}
	return priv.Sign(rand, data)
}

// prepareIdentities builds the key list in OpenSSH's pubkey_prepare order:
// CertificateFile certificates; agent keys that are also IdentityFiles,
// in the agent's order, each taking that file's place; the agent's other
// keys, left out under IdentitiesOnly; then the remaining files. The list
// is filtered by PubkeyAcceptedAlgorithms.
func (a *authenticator) prepareIdentities() []*identity {
	files := slices.Clone(a.files)
	out := slices.Clone(a.certs)
	var agentOnly []*identity
	for _, s := range a.agentSigners() {
		if _, small := keys.RSATooSmall(a.cfg, s.PublicKey()); small {
			a.log.Logf(config.LogDebug1, "pubkey_prepare: ignoring %s agent key: Invalid key length", s.PublicKey().Type())
			continue
		}
		blob := s.PublicKey().Marshal()
		i := slices.IndexFunc(files, func(id *identity) bool {
			return id.pub != nil && bytes.Equal(id.pub.Marshal(), blob)
		})
		switch {
		case i >= 0:
			files[i].agent = s
			out = append(out, files[i])
			files = slices.Delete(files, i, i+1)
		case !a.cfg.IdentitiesOnly:
			agentOnly = append(agentOnly, &identity{pub: s.PublicKey(), agent: s, comment: a.agentComments[string(blob)]})
		}
	}
	out = append(append(out, agentOnly...), files...)
	return slices.DeleteFunc(out, func(id *identity) bool { return !a.keyAllowed(id.pub) })
}

// fileIdentities loads the public halves of IdentityFile keys (each
// followed by its PATH-cert certificate, if any and if no CertificateFile
// is configured) and the CertificateFile certificates, which it returns
// apart. Unreadable key files stay in the list so that the failure is
// reported when the key's turn comes, as OpenSSH does; a certificate
// that is missing, or is not one, is left out silently.
func (a *authenticator) fileIdentities() (certs, files []*identity) {
	for _, path := range a.cfg.IdentityFiles {
		if strings.EqualFold(path, "none") {
			continue
		}
		id := &identity{file: path, userProvided: a.cfg.IdentityFilesSet, pub: publicHalf(path)}
		if id.pub != nil && !a.keySizeOK(id.pub, path, "pubkey") {
			id.pub = nil
		}
		a.log.Logf(config.LogDebug1, "identity file %s type %d", path, keyTypeNumber(id.pub))
		if id.pub == nil {
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !id.userProvided {
				continue // a default identity that does not exist
			}
		}
		if a.userCert(id.pub, path) {
			files = append(files, id)
		}
		if len(a.cfg.CertificateFiles) > 0 {
			continue
		}
		cert := readCert(path + "-cert")
		if cert != nil && !a.keySizeOK(cert, path, "pubkey") {
			cert = nil
		}
		a.log.Logf(config.LogDebug1, "identity file %s-cert type %d", path, keyTypeNumber(certKey(cert)))
		if cert != nil && a.userCert(cert, path) {
			files = append(files, &identity{file: path, pub: cert, userProvided: id.userProvided})
		}
	}
	for _, path := range a.cfg.CertificateFiles {
		cert := readCert(path)
		a.log.Logf(config.LogDebug1, "certificate file %s type %d", path, keyTypeNumber(certKey(cert)))
		if cert == nil {
			a.log.Logf(config.LogDebug1, "certificate file %s: no certificate in it", path)
			continue
		}
		if a.keySizeOK(cert, path, "certificate") && a.userCert(cert, path) {
			certs = append(certs, &identity{file: path, pub: cert, userProvided: true})
		}
	}
	return certs, files
}

// certKey is cert as a public key, nil when there is none (a nil
// *ssh.Certificate in an interface would not be nil).
func certKey(cert *ssh.Certificate) ssh.PublicKey {
	if cert == nil {
		return nil
	}
	return cert
}

// keyTypeNumber is OpenSSH 9.2's enum sshkey_types value of a key, as ssh
// -v prints it in "identity file PATH type N"; -1 for no key.
func keyTypeNumber(pub ssh.PublicKey) int {
	if pub == nil {
		return -1
	}
	t := pub.Type()
	cert := 0
	if base, ok := strings.CutSuffix(t, "-cert-v01@openssh.com"); ok {
		t, cert = base, 1
	}
	switch {
	case t == ssh.KeyAlgoRSA:
		return 0 + 4*cert
	case t == "ssh-dss":
		return 1 + 4*cert
	case strings.HasPrefix(t, "ecdsa-sha2-"):
		return 2 + 4*cert
	case t == ssh.KeyAlgoED25519:
		return 3 + 4*cert
	case t == ssh.KeyAlgoSKECDSA256:
		return 10 + cert
	case t == ssh.KeyAlgoSKED25519:
		return 12 + cert
	}
	return -1
}

// formatIdentity is sshconnect2.c format_identity, how ssh names a key in
// "Will attempt key", "Offering public key" and "Server accepts key":
// the file (or the agent's comment), the key type and fingerprint, and
// notes for a key the user named, a security key and an agent's key.
func (a *authenticator) formatIdentity(id *identity) string {
	name := id.file
	if name == "" {
		name = id.comment
	}
	var b strings.Builder
	b.WriteString(name + " ")
	if id.pub != nil {
		plain := id.pub
		if c, ok := plain.(*ssh.Certificate); ok {
			plain = c.Key
		}
		fp := ssh.FingerprintSHA256(plain)
		if a.cfg.FingerprintHash == "MD5" {
			fp = "MD5:" + ssh.FingerprintLegacyMD5(plain)
		}
		b.WriteString(keyTypeName(id.pub) + " " + fp)
	}
	if id.userProvided {
		b.WriteString(" explicit")
	}
	if id.pub != nil && strings.HasPrefix(id.pub.Type(), "sk-") {
		b.WriteString(" authenticator")
	}
	if id.agent != nil {
		b.WriteString(" agent")
	}
	return b.String()
}

// keyTypeName is sshkey_type: "ED25519", "RSA-CERT", ...
func keyTypeName(pub ssh.PublicKey) string {
	t, suffix := pub.Type(), ""
	if base, ok := strings.CutSuffix(t, "-cert-v01@openssh.com"); ok {
		t, suffix = base, "-CERT"
	}
	switch {
	case t == ssh.KeyAlgoRSA:
		t = "RSA"
	case t == "ssh-dss":
		t = "DSA"
	case strings.HasPrefix(t, "ecdsa-sha2-"):
		t = "ECDSA"
	case t == ssh.KeyAlgoSKECDSA256:
		t = "ECDSA-SK"
	case t == ssh.KeyAlgoED25519:
		t = "ED25519"
	case t == ssh.KeyAlgoSKED25519:
		t = "ED25519-SK"
	}
	return t + suffix
}

// prepare builds the key list once and logs it as pubkey_prepare does.
func (a *authenticator) prepare() {
	if a.prepared {
		return
	}
	a.prepared = true
	a.identities = a.prepareIdentities()
	a.queue = slices.Clone(a.identities)
	for _, id := range a.identities {
		a.log.Logf(config.LogDebug1, "Will attempt key: %s", a.formatIdentity(id))
	}
	a.log.Logf(config.LogDebug2, "pubkey_prepare: done")
}

// onFirstSign wraps s to call f before its first signature, keeping the
// signer's algorithm interfaces, which x/crypto looks for.
func onFirstSign(s ssh.Signer, f func()) ssh.Signer {
	var once sync.Once
	hook := func() { once.Do(f) }
	as, ok := s.(ssh.AlgorithmSigner)
	if !ok {
		return plainHookSigner{s, hook}
	}
	h := hookSigner{as, hook}
	if ms, ok := s.(ssh.MultiAlgorithmSigner); ok {
		return multiHookSigner{h, ms.Algorithms()}
	}
	return h
}

type plainHookSigner struct {
	ssh.Signer
	hook func()
}

func (s plainHookSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s.hook()
	return s.Signer.Sign(rand, data)
}

type hookSigner struct {
	ssh.AlgorithmSigner
	hook func()
}

func (s hookSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	s.hook()
	return s.AlgorithmSigner.Sign(rand, data)
}

func (s hookSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	s.hook()
	return s.AlgorithmSigner.SignWithAlgorithm(rand, data, algorithm)
}

type multiHookSigner struct {
	hookSigner
	algorithms []string
}

func (s multiHookSigner) Algorithms() []string { return s.algorithms }

// userCert reports whether pub may be offered: anything but a host
// certificate, which pubkey_prepare ignores.
func (a *authenticator) userCert(pub ssh.PublicKey, path string) bool {
	if cert, ok := pub.(*ssh.Certificate); ok && cert.CertType != ssh.UserCert {
		a.log.Logf(config.LogDebug1, "pubkey_prepare: ignoring certificate %s: not a user certificate", path)
		return false
	}
	return true
}

// publicHalf reads the public key of a private key file without
// decrypting it: from the file itself (OpenSSH's format stores it in
// clear; a .pub path given as IdentityFile is the key itself), else from
// PATH.pub. nil when neither works.
func publicHalf(path string) ssh.PublicKey {
	data, err := os.ReadFile(path)
	if err == nil {
		if pub, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
			return pub
		}
		_, err := ssh.ParseRawPrivateKey(data)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) && missing.PublicKey != nil {
			return missing.PublicKey
		}
		if err == nil {
			if s, err := ssh.ParsePrivateKey(data); err == nil {
				return s.PublicKey()
			}
		}
	}
	if data, err := os.ReadFile(path + ".pub"); err == nil {
		if pub, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
			return pub
		}
	}
	return nil
}

// readCert reads the certificate in path, else in path.pub, as OpenSSH's
// sshkey_load_public does; nil when neither holds one.
func readCert(path string) *ssh.Certificate {
	for _, p := range []string{path, path + ".pub"} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
		if err != nil {
			continue
		}
		cert, _ := pub.(*ssh.Certificate)
		return cert
	}
	return nil
}

// agentSigners lists the agent's keys. IdentityAgent "none" disables the
// agent; "" and "SSH_AUTH_SOCK" mean $SSH_AUTH_SOCK, "$VAR" another
// variable. An agent that cannot be reached is skipped, as in OpenSSH.
func (a *authenticator) agentSigners() []ssh.Signer {
	path := a.cfg.IdentityAgent
	switch {
	case path == "none":
		return nil
	case path == "" || path == "SSH_AUTH_SOCK":
		path = os.Getenv("SSH_AUTH_SOCK")
	case strings.HasPrefix(path, "$"):
		path = os.Getenv(path[1:])
	}
	if path == "" {
		return nil
	}
	conn, err := net.Dial("unix", path)
	if err != nil {
		a.log.Logf(config.LogDebug1, "Error connecting to agent: %v", err)
		return nil
	}
	ac := agent.NewClient(conn)
	signers, err := ac.Signers()
	if err == nil {
		a.log.Logf(config.LogDebug1, "get_agent_identities: agent returned %d keys", len(signers))
	}
	if err == nil && a.log.Level() >= config.LogDebug1 {
		// The comments name agent-only keys at -v; ask the same client
		// (a second one on the connection would not get the answer).
		if list, lerr := ac.List(); lerr == nil {
			a.agentComments = map[string]string{}
			for _, k := range list {
				a.agentComments[string(k.Blob)] = k.Comment
			}
		}
	}
	if err != nil {
		a.log.Logf(config.LogDebug1, "agent: %v", err)
		conn.Close()
		return nil
	}
	a.agentConn = conn
	return signers
}

// keyAllowed applies PubkeyAcceptedAlgorithms (patterns) to a key; an RSA
// key is allowed if any of its signature algorithms is.
func (a *authenticator) keyAllowed(pub ssh.PublicKey) bool {
	if pub == nil || len(a.cfg.PubkeyAcceptedAlgorithms) == 0 {
		return true
	}
	algos := []string{pub.Type()}
	switch pub.Type() {
	case ssh.KeyAlgoRSA:
		algos = append(algos, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512)
	case ssh.CertAlgoRSAv01:
		algos = append(algos, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSASHA512v01)
	}
	for _, algo := range algos {
		if config.MatchPatternList(algo, strings.Join(a.cfg.PubkeyAcceptedAlgorithms, ",")) {
			return true
		}
	}
	return false
}

// keySizeOK is ssh.c check_load for a public key read before connecting:
// an RSA key shorter than RequiredRSASize is reported ("load pubkey",
// "load certificate") and not offered. The private key may still be tried
// without it, and is refused by loadPrivate.
func (a *authenticator) keySizeOK(pub ssh.PublicKey, path, what string) bool {
	if _, small := keys.RSATooSmall(a.cfg, pub); small {
		a.log.Logf(config.LogError, "load %s \"%s\": Invalid key length", what, path)
		return false
	}
	return true
}
