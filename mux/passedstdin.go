//go:build unix

package mux

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// PassedStdin is a client's stdin as the master reads it: an io.Reader
// whose pending Read the session's end can interrupt with
// SetReadDeadline.
type PassedStdin interface {
	io.Reader
	SetReadDeadline(time.Time) error
}

// passedStdin reads a passed descriptor. Its open file description,
// O_NONBLOCK included, is shared with the client's terminal and with
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

func (s passedStdin) SetReadDeadline(t time.Time) error { return s.f.SetReadDeadline(t) }
