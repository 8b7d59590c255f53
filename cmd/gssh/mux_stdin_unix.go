//go:build unix

package main

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// passedStdin is a passenger's stdin as its master reads it. The
// descriptor came over the control socket, so its open file description,
// O_NONBLOCK included, is shared with the passenger's terminal and with
// every other process using it; any of them may clear O_NONBLOCK (Go's
// os.File.Fd does). The master relies on it: a read parked in Go's
// poller ends when the session ends, one blocked in read(2) does not, and
// closing the file then waits for a key press. So non-blocking mode is put
// back before each read.
type passedStdin struct {
	f  *os.File
	fd int
}

func (s passedStdin) Read(p []byte) (int, error) {
	unix.SetNonblock(s.fd, true)
	return s.f.Read(p)
}

// SetReadDeadline lets the session's end interrupt a pending Read.
func (s passedStdin) SetReadDeadline(t time.Time) error { return s.f.SetReadDeadline(t) }
