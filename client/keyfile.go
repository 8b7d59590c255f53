package client

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// keyPermsError reports a private key file that others may read; the
// key is ignored, with OpenSSH's UNPROTECTED PRIVATE KEY FILE banner.
type keyPermsError struct {
	mode fs.FileMode // the permission bits, st_mode & 0777
}

func (e *keyPermsError) Error() string {
	return fmt.Sprintf("bad permissions 0%03o", uint32(e.mode))
}

// readKeyFd reads a private key from an open file the way OpenSSH's
// sshkey_load_private_type does: sshkey_perm_ok judges the descriptor
// (fstat), and the key is read from that same descriptor. Judging the
// path and then opening it again would let whoever controls the
// directory swap a readable file in between.
func readKeyFd(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if keyPermsTooOpen(st) {
		return nil, &keyPermsError{mode: st.Mode().Perm()}
	}
	return io.ReadAll(f)
}
