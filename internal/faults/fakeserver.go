package faults

import (
	"net"
	"testing"
)

// FakeBanner is the version line BannerThenSilent sends.
const FakeBanner = "SSH-2.0-OpenSSH_9.2p1 faults\r\n"

// NoBanner starts a server that accepts connections and never sends a
// byte: a wedged sshd, or a firewall that completes the handshake. It
// returns host:port; connections stay open until the test ends.
func NoBanner(t testing.TB) string {
	t.Helper()
	return silentServer(t, "")
}

// BannerThenSilent starts a server that sends FakeBanner and then nothing
// more, reading and discarding what the client sends: a server frozen
// right after accept, before key exchange.
func BannerThenSilent(t testing.TB) string {
	t.Helper()
	return silentServer(t, FakeBanner)
}

func silentServer(t testing.TB, banner string) string {
	return serve(t, func(c net.Conn) {
		if banner != "" {
			c.Write([]byte(banner))
		}
		// Swallow whatever comes so the client's writes never block;
		// answer nothing.
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
}
