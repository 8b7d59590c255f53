//go:build unix

package mux

import (
	"errors"
	"fmt"
	"io"
	"net"

	"golang.org/x/sys/unix"
)

// SendFD passes fd to the peer of c the way OpenSSH's mm_send_fd does: one
// sendmsg carrying a single data byte (a stream socket cannot carry
// ancillary data without one) and one SCM_RIGHTS descriptor. The caller
// keeps its own copy of fd and may close it once SendFD returns.
func SendFD(c *net.UnixConn, fd int) error {
	oob := unix.UnixRights(fd)
	n, oobn, err := c.WriteMsgUnix([]byte{0}, oob, nil)
	if err != nil {
		return fmt.Errorf("mux: send fd %d: %w", fd, err)
	}
	if n != 1 || oobn != len(oob) {
		return fmt.Errorf("mux: send fd %d: short sendmsg (%d data, %d control bytes)", fd, n, oobn)
	}
	return nil
}

// ReceiveFD reads the one-byte message that [SendFD] or OpenSSH's
// mm_send_fd sends and returns the descriptor it carries, marked
// close-on-exec. It reads exactly one byte, so the frames that follow stay
// in the socket for [ReadFrame]. Anything other than exactly one
// descriptor is an error, and every descriptor that did arrive is closed
// so that a misbehaving peer cannot leak them into this process.
func ReceiveFD(c *net.UnixConn) (int, error) {
	var data [1]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, flags, _, err := c.ReadMsgUnix(data[:], oob)
	if err != nil {
		return -1, fmt.Errorf("mux: receive fd: %w", err)
	}
	fds, perr := parseRights(oob[:oobn])
	switch {
	case perr != nil:
		err = perr
	case n == 0:
		// A stream socket reports its end as a zero-length read.
		err = io.EOF
	case flags&unix.MSG_CTRUNC != 0:
		err = errors.New("control message truncated (more than one descriptor sent)")
	case len(fds) != 1:
		err = fmt.Errorf("got %d descriptors, want 1", len(fds))
	}
	if err != nil {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("mux: receive fd: %w", err)
	}
	// Linux already applied MSG_CMSG_CLOEXEC; other systems have no such
	// flag, and a session's child processes must not inherit the fd.
	unix.CloseOnExec(fds[0])
	return fds[0], nil
}

// parseRights returns every descriptor in a control buffer, ignoring other
// kinds of control message (credentials, for instance).
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return fds, err
		}
		fds = append(fds, got...)
	}
	return fds, nil
}

// PeerUID returns the effective uid of the process connected to c, read
// from the kernel rather than from anything the peer sends. A master
// serves only its own uid and root, as OpenSSH does with getpeereid.
func PeerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("mux: peer uid: %w", err)
	}
	uid := -1
	var uerr error
	if err := raw.Control(func(fd uintptr) { uid, uerr = peerUID(int(fd)) }); err != nil {
		return -1, fmt.Errorf("mux: peer uid: %w", err)
	}
	if uerr != nil {
		return -1, fmt.Errorf("mux: peer uid: %w", uerr)
	}
	return uid, nil
}
