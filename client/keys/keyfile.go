package keys

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// PermsError reports a private key file that others may read; the
// key is ignored, with OpenSSH's UNPROTECTED PRIVATE KEY FILE banner.
type PermsError struct {
	Mode fs.FileMode // the permission bits, st_mode & 0777
}

func (e *PermsError) Error() string {
	return fmt.Sprintf("bad permissions 0%03o", uint32(e.Mode))
}

// ReadPrivate reads a private key from an open file the way OpenSSH's
// sshkey_load_private_type does: sshkey_perm_ok judges the descriptor
// (fstat), and the key is read from that same descriptor. Judging the
// path and then opening it again would let whoever controls the
// directory swap a readable file in between.
func ReadPrivate(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if keyPermsTooOpen(st) {
		return nil, &PermsError{Mode: st.Mode().Perm()}
	}
	return io.ReadAll(f)
}
