//go:build unix

package kdctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKinitGetsTicket: the realm starts, a user gets a TGT with kinit, and
// klist shows it in the cache.
func TestKinitGetsTicket(t *testing.T) {
	k := Start(t)
	k.AddUser(t, "alice", "alice-pw")
	keytab := k.AddService(t, "host/127.0.0.1")
	if fi, err := os.Stat(keytab); err != nil || fi.Size() == 0 {
		t.Fatalf("keytab %s: %v", keytab, err)
	}
	cc := filepath.Join(t.TempDir(), "cc")
	k.Kinit(t, "alice", "alice-pw", cc)
	cmd := exec.Command("klist", "-c", cc)
	cmd.Env = append(os.Environ(), k.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "krbtgt/"+Realm+"@"+Realm) || !strings.Contains(string(out), "alice@"+Realm) {
		t.Fatalf("klist: %v\n%s", err, out)
	}
}
