package knownhosts

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/krl"
)

// checkRevokedFile is the RevokedHostKeys check of sshconnect.c
// verify_host_key (sshkey_check_revoked), made before known_hosts is
// consulted and whatever StrictHostKeyChecking says. Like ssh, gssh reads
// the file at every verification (each hop of a -J chain has its own) and
// keeps nothing of it. The path is used verbatim: OpenSSH 9.2 expands
// neither "~" nor %-tokens in it ("none" leaves it unset).
//
// A file that cannot be read or parsed fails the connection: a revocation
// list that cannot be checked must not let a revoked key through.
func (v *Verifier) checkRevokedFile(key ssh.PublicKey) error {
	file := v.cfg.RevokedHostKeys
	if file == "" {
		return nil
	}
	desc := KeyDescriptor{Type: keyTypeName(key), Fingerprint: v.fingerprint(key)}
	data, err := readRevokedFile(file)
	revoked := false
	if err == nil {
		revoked, err = krl.Check(data, key)
	}
	switch {
	case err != nil:
		reason := config.Strerror(err)
		var fe *krl.FormatError
		if errors.As(err, &fe) {
			reason = fe.Reason
		}
		herr := v.fail(HostKeyRevocationUnchecked, desc, fmt.Sprintf(
			"Error checking host key %s %s in revoked keys file %s: %s", desc.Type, desc.Fingerprint, file, reason)).(*HostKeyError)
		herr.Err = fmt.Errorf("RevokedHostKeys %s: %w", file, err)
		return herr
	case revoked:
		return v.fail(HostKeyRevoked, desc, fmt.Sprintf("Host key %s %s revoked by file %s", desc.Type, desc.Fingerprint, file))
	}
	return nil
}

// fingerprint is sshkey_fingerprint with FingerprintHash: a certificate's
// fingerprint is that of its plain key.
func (v *Verifier) fingerprint(key ssh.PublicKey) string {
	if cert, ok := key.(*ssh.Certificate); ok {
		key = cert.Key
	}
	if v.cfg.FingerprintHash == "MD5" {
		return "MD5:" + ssh.FingerprintLegacyMD5(key)
	}
	return ssh.FingerprintSHA256(key)
}

// maxRevokedFile is SSHBUF_SIZE_MAX, the most sshbuf_load_file accepts. A
// path naming a device such as /dev/zero then fails instead of filling
// memory.
const maxRevokedFile = 0x8000000

func readRevokedFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRevokedFile+1))
	if err == nil && len(data) > maxRevokedFile {
		err = &krl.FormatError{Reason: "invalid format", Offset: maxRevokedFile}
	}
	return data, err
}
