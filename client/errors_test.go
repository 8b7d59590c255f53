package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gssh/gssh/client/forward"
)

func TestErrorTexts(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&ConnectError{Host: "h", Port: 22, Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			"ssh: connect to host h port 22: Connection refused"},
		{&ConnectError{Host: "h", Port: 2222, Err: fmt.Errorf("dial: %w", os.ErrDeadlineExceeded)},
			"ssh: connect to host h port 2222: Connection timed out"},
		{&ConnectError{Host: "h", Port: 22, Err: syscall.EHOSTUNREACH},
			"ssh: connect to host h port 22: No route to host"},
		{&ResolveError{Host: "x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}},
			"ssh: Could not resolve hostname x: Name or service not known"},
		{&ResolveError{Host: "x", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}},
			"ssh: Could not resolve hostname x: Temporary failure in name resolution"},
		{&TimeoutError{Host: "h", Port: 22, Banner: true},
			"Connection timed out during banner exchange\r\nConnection to h port 22 timed out"},
		{&TimeoutError{Host: "h", Port: 22}, "Connection to h port 22 timed out"},
		{&ClosedError{Addr: "::1", Port: 22, Banner: true},
			"kex_exchange_identification: Connection closed by remote host\r\nConnection closed by ::1 port 22"},
		{&ClosedError{Addr: "10.0.0.1", Port: 22, Reset: true, Banner: true},
			"kex_exchange_identification: read: Connection reset by peer\r\nConnection reset by 10.0.0.1 port 22"},
		{&ClosedError{Addr: "10.0.0.1", Port: 2222}, "Connection closed by 10.0.0.1 port 2222"},
		{&DisconnectedError{Addr: "10.0.0.1", Port: 22, Reason: 2, Message: "Too many authentication failures"},
			"Received disconnect from 10.0.0.1 port 22:2: Too many authentication failures\r\nDisconnected from 10.0.0.1 port 22"},
		{&AuthError{User: "u", Host: "h", Methods: []string{"publickey", "password"}},
			"u@h: Permission denied (publickey,password)."},
		{&UnsupportedError{Feature: "ProxyJump j"}, "ProxyJump j is not supported yet"},
		{&StdioForwardError{Err: &forward.ChannelOpenError{Reason: 2, Message: "Connection refused"}},
			"channel 0: open failed: connect failed: Connection refused\r\nstdio forwarding failed"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%T: got %q, want %q", c.err, got, c.want)
		}
	}
}

func TestErrorsWrapCauses(t *testing.T) {
	cause := context.Canceled
	for _, err := range []error{
		&ConnectError{Err: cause}, &ResolveError{Err: cause}, &TimeoutError{Err: cause}, &AuthError{Err: cause},
		&ClosedError{Err: cause}, &DisconnectedError{Err: cause},
	} {
		if !errors.Is(err, cause) {
			t.Errorf("%T does not wrap its cause", err)
		}
	}
}
