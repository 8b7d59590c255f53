package keys

import "io/fs"

// keyPermsTooOpen is always false on Windows: the permission bits Go
// reports there (0666 or 0444) say nothing about who may read the file,
// and the ACL check OpenSSH for Windows does instead is not implemented.
func keyPermsTooOpen(fs.FileInfo) bool { return false }
