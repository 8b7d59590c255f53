package client

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/escape"
)

// closeRecorder is a channel that only records Close; the shared escape
// handler must close it rather than the connection.
type closeRecorder struct {
	ssh.Channel
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestSharedEscapes: in a passenger's session run by a master, ~? lists
// the mux help, the escapes that act on the ssh process are refused with
// clientloop.c's words, and ~. closes only the channel.
func TestSharedEscapes(t *testing.T) {
	for _, tc := range []struct{ name, typed, stderr string }{
		{"help", "~?", escape.HelpText('~', escape.HelpOptions{MuxClient: true})},
		{"commandline", "~C", "~C escape not available to multiplexed sessions\r\n"},
		{"loglevel down", "~V", "~V escape not available to multiplexed sessions\r\n"},
		{"loglevel up", "~v", "~v escape not available to multiplexed sessions\r\n"},
		{"suspend", "~\x1a", "~^Z escape not available to multiplexed sessions\r\n"},
		{"background", "~&", "~& escape not available to multiplexed sessions\r\n"},
		{"rekey still answers", "~R", "~R [rekeying on request is not supported by gssh]\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~', CommandLine: true})
			r.ctl.shared = true
			if sent := r.feed(t, tc.typed); sent != "" {
				t.Errorf("sent %q to the server", sent)
			}
			if r.stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", r.stderr.String(), tc.stderr)
			}
		})
	}

	r := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~'})
	ch := &closeRecorder{}
	r.ctl.shared, r.ctl.ch = true, ch
	if _, err := r.filter([]byte("~.")); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("~. returned %v, want ErrDisconnected", err)
	}
	if !ch.closed {
		t.Error("~. did not close the passenger's channel")
	}
}
