package config

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
)

// Strerror is the strerror(3) text OpenSSH prints for err: Go's errno
// strings are the C library's in lower case, so the errno behind err is
// capitalised ("No such file or directory"). A deadline or a network
// timeout without an errno is ETIMEDOUT's "Connection timed out", a nil
// error is "failure", and any other error keeps its own text.
//
// It is the one strerror of gssh. It lives here, exported, because
// config prints it in its own messages (Include, Match exec,
// ForwardAgent) and must import no other gssh package, while every
// other package of gssh already imports config.
func Strerror(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		return capitalize(errno.Error())
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "Connection timed out"
	case err == nil:
		return "failure"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "Connection timed out"
	}
	return err.Error()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
