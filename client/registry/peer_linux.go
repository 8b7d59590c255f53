package registry

import "golang.org/x/sys/unix"

// peerCredUID reads the peer's uid with SO_PEERCRED.
func peerCredUID(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(cred.Uid), nil
}
