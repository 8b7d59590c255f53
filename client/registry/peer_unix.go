//go:build linux || darwin || freebsd

package registry

import "net"

// peerUID is the uid of the process at the other end of a Unix socket,
// as the kernel recorded it when the peer connected (peerCredUID).
func peerUID(c net.Conn) (int, bool) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, false
	}
	uid, cerr := -1, error(nil)
	raw.Control(func(fd uintptr) { uid, cerr = peerCredUID(int(fd)) })
	return uid, cerr == nil && uid >= 0
}
