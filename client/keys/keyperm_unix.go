//go:build unix

package keys

import (
	"io/fs"
	"os"
	"syscall"
)

// keyPermsTooOpen is the test of OpenSSH's sshkey_perm_ok: a private key
// file owned by the current user that group or others may access.
func keyPermsTooOpen(st fs.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Getuid() && st.Mode().Perm()&0o077 != 0
}
