//go:build unix

package config

import (
	"bufio"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// permOK is OpenSSH's check on user configuration files (misc.c
// secure_permissions with Debian's user-group-modes patch): owned by root
// or the current user, not writable by others, and writable by the group
// only when that group's sole member is the current user (a private
// group, as with umask 002).
func permOK(st fs.FileInfo) bool {
	mode := st.Mode().Perm()
	if mode&0o002 != 0 {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return mode&0o020 == 0
	}
	uid := os.Getuid()
	if sys.Uid != 0 && int(sys.Uid) != uid {
		return false
	}
	return mode&0o020 == 0 || privateGroup(int(sys.Gid), uid, int(sys.Uid))
}

// privateGroup reports whether group gid has exactly one member, the user
// uid: no other user has it as primary group, and its member list in
// /etc/group is empty or only the file owner's name.
func privateGroup(gid, uid, owner int) bool {
	members := 0
	scanColon("/etc/passwd", func(f []string) bool {
		if len(f) > 3 && f[3] == strconv.Itoa(gid) {
			members++
			if f[2] != strconv.Itoa(uid) {
				members = -1
				return false
			}
		}
		return true
	})
	if members < 0 {
		return false
	}
	var list []string
	found := false
	scanColon("/etc/group", func(f []string) bool {
		if len(f) > 3 && f[2] == strconv.Itoa(gid) {
			found = true
			if f[3] != "" {
				list = strings.Split(f[3], ",")
			}
			return false
		}
		return true
	})
	if !found {
		return false
	}
	if len(list) > 0 {
		o, err := user.LookupId(strconv.Itoa(owner))
		if err != nil || len(list) > 1 || list[0] != o.Username {
			return false
		}
		members++
	}
	return members > 0
}

// scanColon calls fn with the fields of each line of a colon-separated
// database file until fn returns false.
func scanColon(path string, fn func([]string) bool) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if !fn(strings.Split(sc.Text(), ":")) {
			return
		}
	}
}
