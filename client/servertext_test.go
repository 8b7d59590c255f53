package client

import (
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/internal/faults"
)

// TestDisconnectReasonFromXCrypto: the reason code and message come out
// of x/crypto's error exactly, whatever the message holds, including text
// that looks like another disconnect.
func TestDisconnectReasonFromXCrypto(t *testing.T) {
	for _, msg := range []string{
		"",
		"Too many authentication failures",
		"q\" ssh: disconnect, reason 7: \"fake\" \\ \x00\x1b]0;t\x07\xff\xc3\xa9\r\n",
	} {
		addr := faults.DisconnectServer(t, 11, msg)
		_, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "u", HostKeyCallback: ssh.InsecureIgnoreHostKey()})
		if err == nil {
			t.Fatal("handshake succeeded")
		}
		reason, got, ok := disconnectReason(err)
		if !ok || reason != 11 || got != msg {
			t.Errorf("disconnectReason(%v) = %d, %q, %v; want 11, %q", err, reason, got, ok, msg)
		}
	}
}
