//go:build unix

package client_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/knownhosts"
	"github.com/gssh/gssh/client/krl"
	"github.com/gssh/gssh/internal/sshdtest"
)

// TestRevokedHostKeysErrors: what RevokedHostKeys does to Dial is told by
// typed errors: HostKeyRevoked for a listed key, and
// HostKeyRevocationUnchecked wrapping the cause for a file that cannot be
// read or parsed. cmd/gssh's tests compare the text with ssh.
func TestRevokedHostKeysErrors(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	listed := filepath.Join(dir, "listed")
	other := filepath.Join(dir, "other")
	corrupt := filepath.Join(dir, "corrupt")
	for file, text := range map[string]string{
		listed:  "# revoked\n" + string(ssh.MarshalAuthorizedKey(s.HostKey)),
		other:   randomKeyLine(t, "")[1:] + "\n",
		corrupt: krl.Magic + "\x00\x00",
	} {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dialWith := func(file string) error {
		cfg := dialConfig(t, s)
		cfg.RevokedHostKeys = file
		_, err := dial(t, cfg, client.DialOptions{})
		return err
	}
	var he *knownhosts.HostKeyError
	if err := dialWith(listed); !errors.As(err, &he) || he.Problem != knownhosts.HostKeyRevoked {
		t.Errorf("listed key: got %T %v, want HostKeyRevoked", err, err)
	}
	if err := dialWith(filepath.Join(dir, "missing")); !errors.As(err, &he) ||
		he.Problem != knownhosts.HostKeyRevocationUnchecked || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %T %v, want HostKeyRevocationUnchecked wrapping ErrNotExist", err, err)
	}
	var fe *krl.FormatError
	if err := dialWith(corrupt); !errors.As(err, &he) || he.Problem != knownhosts.HostKeyRevocationUnchecked ||
		!errors.As(err, &fe) || fe.Reason != "incomplete message" {
		t.Errorf("corrupt KRL: got %T %v, want HostKeyRevocationUnchecked wrapping a FormatError", err, err)
	}
	// ssh 9.2 keeps reading /dev/zero (still at it after ten minutes on
	// the build machine); gssh stops at sshbuf's 128 MiB limit.
	if err := dialWith("/dev/zero"); !errors.As(err, &he) || he.Problem != knownhosts.HostKeyRevocationUnchecked {
		t.Errorf("/dev/zero: got %T %v, want HostKeyRevocationUnchecked", err, err)
	}
	if err := dialWith(other); err != nil {
		t.Errorf("a list without the key: %v", err)
	}
}
