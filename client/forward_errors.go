package client

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// ForwardError reports a forwarding that could not be set up while
// ExitOnForwardFailure is on. Error is ssh's fatal message for it; the
// lines ssh logs before it (bind errors) have already gone to the Logger.
type ForwardError struct {
	// Remote is set for a RemoteForward the server refused; otherwise a
	// local listener (-L or -D) could not be opened.
	Remote bool
	// Port and Path name the remote listener (Path for a Unix socket).
	Port int
	Path string
}

func (e *ForwardError) Error() string {
	switch {
	case !e.Remote:
		return "Could not request local forwarding."
	case e.Path != "":
		return "Error: remote port forwarding failed for listen path " + e.Path
	}
	return fmt.Sprintf("Error: remote port forwarding failed for listen port %d", e.Port)
}

// ChannelOpenError reports that the server refused to open a channel,
// worded as channels.c logs it ("channel 0: open failed: connect failed:
// Connection refused").
type ChannelOpenError struct {
	// Channel is the local channel number ssh would print; gssh numbers
	// its forwarded channels itself, so it may differ from ssh's.
	Channel int
	Reason  ssh.RejectionReason
	Message string
	Err     error
}

func (e *ChannelOpenError) Error() string {
	reason := "unknown reason"
	switch e.Reason {
	case ssh.Prohibited:
		reason = "administratively prohibited"
	case ssh.ConnectionFailed:
		reason = "connect failed"
	case ssh.UnknownChannelType:
		reason = "unknown channel type"
	case ssh.ResourceShortage:
		reason = "resource shortage"
	}
	if e.Message == "" {
		return fmt.Sprintf("channel %d: open failed: %s", e.Channel, reason)
	}
	return fmt.Sprintf("channel %d: open failed: %s: %s", e.Channel, reason, e.Message)
}

func (e *ChannelOpenError) Unwrap() error { return e.Err }

// channelOpenError types an OpenChannel failure; errors other than a
// refusal (a dead connection) are returned as they are.
func channelOpenError(channel int, err error) error {
	var oe *ssh.OpenChannelError
	if errors.As(err, &oe) {
		return &ChannelOpenError{Channel: channel, Reason: oe.Reason, Message: oe.Message, Err: err}
	}
	return fmt.Errorf("client: open channel: %w", err)
}

// StdioForwardError reports that the channel for -W (or for the next
// ProxyJump hop, which ssh makes with -W) could not be opened. ssh prints
// the channel's failure and then "stdio forwarding failed".
type StdioForwardError struct {
	Err error
}

func (e *StdioForwardError) Error() string {
	return e.Err.Error() + "\r\nstdio forwarding failed"
}

func (e *StdioForwardError) Unwrap() error { return e.Err }

// JumpError reports a failure to connect through ProxyJump. ssh runs
// each hop as a child "ssh -W" whose own messages come first; every ssh
// above it then sees its proxy close and adds two lines of its own.
// Depth is how many such parents ssh would have: the number of hops from
// the failing one to the destination.
type JumpError struct {
	Hop   string // the hop that failed, as written in ProxyJump
	Depth int
	Err   error
}

func (e *JumpError) Error() string {
	return fmt.Sprintf("client: ProxyJump %s: %v", e.Hop, e.Err)
}

func (e *JumpError) Unwrap() error { return e.Err }

// ParentLines is what each parent ssh prints when its proxy, a child
// ssh, exits during the banner exchange.
func (e *JumpError) ParentLines() []string {
	var out []string
	for i := 0; i < e.Depth; i++ {
		out = append(out, "kex_exchange_identification: Connection closed by remote host",
			"Connection closed by UNKNOWN port 65535")
	}
	return out
}
