package config

import "io/fs"

// permOK accepts every file on Windows: the permission bits Go reports
// there (0666 or 0444) say nothing about ownership or who may write, and
// the ACL check OpenSSH for Windows does instead is not implemented.
func permOK(fs.FileInfo) bool { return true }
