//go:build darwin || freebsd

package mux

import "golang.org/x/sys/unix"

// peerUID reads LOCAL_PEERCRED, which is what getpeereid(3) uses on these
// systems.
func peerUID(fd int) (int, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(cred.Uid), nil
}
