//go:build unix

package forward_test

import (
	"os"
	"os/user"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/sshdtest"
)

// dialSSH connects to s as the current user with the server's user key,
// checking its host key, and closes the connection when t ends.
func dialSSH(t *testing.T, s *sshdtest.Server) *ssh.Client {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(s.UserKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(s.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ssh.Dial("tcp", s.Addr(), &ssh.ClientConfig{
		User:            u.Username,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hostKeys,
		Timeout:         30 * time.Second,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testConfig is the configuration the forwarding tests start from.
func testConfig() *config.Config { return &config.Config{AddressFamily: "any"} }

// parse is config.ParseForward for a spec the test knows to be good.
func parse(t *testing.T, kind config.ForwardKind, spec string) config.Forward {
	t.Helper()
	f, ok := config.ParseForward(kind, spec)
	if !ok {
		t.Fatalf("bad forwarding spec %q", spec)
	}
	return f
}
