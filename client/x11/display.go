package x11

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/gssh/gssh/client/config"
)

// baseTCPPort is X11's TCP port for display 0 (X11_BASE_PORT).
const baseTCPPort = 6000

// unixSocketDir holds the local displays' sockets (_PATH_UNIX_X).
const unixSocketDir = "/tmp/.X11-unix"

// validDisplayChars are the characters besides ASCII letters and digits
// that ssh accepts in DISPLAY (SSH_X11_VALID_DISPLAY_CHARS).
const validDisplayChars = ":/.-_"

// CheckDisplay reports whether display holds only the characters ssh
// accepts; if not, bad is the first other one. DISPLAY goes into the
// xauth command line and the server's request, so nothing else is let
// through.
func CheckDisplay(display string) (bad byte, ok bool) {
	for i := 0; i < len(display); i++ {
		c := display[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			strings.IndexByte(validDisplayChars, c) >= 0 {
			continue
		}
		return c, false
	}
	return 0, true
}

// Display is where a DISPLAY value says the X server listens.
type Display struct {
	// Network is "unix" or "tcp", as for net.Dial.
	Network string
	// Address is the socket's path, or host:port.
	Address string
	// Host and Port are the TCP display's, for ssh's messages.
	Host string
	Port int
}

// DisplayError is a DISPLAY value that names no X server; its text is
// ssh's message.
type DisplayError struct{ Msg string }

func (e *DisplayError) Error() string { return e.Msg }

// ParseDisplay decodes DISPLAY as x11_connect_display does:
//
//   - a path to a socket ("/private/tmp/com.apple.launchd.xxx/org.xquartz:0"),
//     which exists, or exists once a trailing ".SCREEN" is cut (ssh does
//     this on macOS only; exists is os.Stat's answer);
//   - "unix:N[.S]" and ":N[.S]" (the number after the last ':'): the socket
//     /tmp/.X11-unix/XN;
//   - "host:N[.S]": TCP port 6000+N of host.
func ParseDisplay(display string, exists func(path string) bool) (Display, error) {
	if strings.HasPrefix(display, "/") {
		if exists(display) {
			return Display{Network: "unix", Address: display}, nil
		}
		if dot := strings.LastIndexByte(display, '.'); dot > 0 && exists(display[:dot]) {
			return Display{Network: "unix", Address: display[:dot]}, nil
		}
	}
	if strings.HasPrefix(display, "unix:") || strings.HasPrefix(display, ":") {
		n, ok := leadingNumber(display[strings.LastIndexByte(display, ':')+1:])
		if !ok {
			return Display{}, &DisplayError{fmt.Sprintf("Could not parse display number from DISPLAY: %.100s", display)}
		}
		return Display{Network: "unix", Address: fmt.Sprintf("%s/X%d", unixSocketDir, n)}, nil
	}
	host, rest, found := strings.Cut(display, ":")
	if !found {
		return Display{}, &DisplayError{fmt.Sprintf("Could not find ':' in DISPLAY: %.100s", display)}
	}
	n, ok := leadingNumber(rest)
	if !ok || n > 65535-baseTCPPort {
		return Display{}, &DisplayError{fmt.Sprintf("Could not parse display number from DISPLAY: %.100s", display)}
	}
	port := baseTCPPort + int(n)
	return Display{Network: "tcp", Address: net.JoinHostPort(host, strconv.Itoa(port)), Host: host, Port: port}, nil
}

// leadingNumber is sscanf's "%u" for the digits DISPLAY may hold: the
// decimal number at the start of s, ignoring what follows it.
func leadingNumber(s string) (uint64, bool) {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:end], 10, 32)
	return n, err == nil
}

// ScreenNumber is the screen of DISPLAY that x11-req names, as
// x11_request_forwarding_with_spoofing works it out: the number after the
// first '.' that follows the first ':', 0 when there is none or it is not
// a number from 0 to 400.
func ScreenNumber(display string) uint32 {
	_, afterColon, ok := strings.Cut(display, ":")
	if !ok {
		return 0
	}
	_, screen, ok := strings.Cut(afterColon, ".")
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(screen, 10, 32)
	if err != nil || n > 400 {
		return 0
	}
	return uint32(n)
}

// Dial connects to the display, with ssh's message on failure.
func (d Display) Dial(ctx context.Context) (net.Conn, error) {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, d.Network, d.Address)
	if err == nil {
		return conn, nil
	}
	var dnsErr *net.DNSError
	switch {
	case d.Network == "unix":
		return nil, &DisplayError{fmt.Sprintf("connect %.100s: %.100s", d.Address, config.Strerror(err))}
	case errors.As(err, &dnsErr):
		return nil, &DisplayError{fmt.Sprintf("%.100s: unknown host. (%s)", d.Host, gaiText(dnsErr))}
	default:
		return nil, &DisplayError{fmt.Sprintf("connect %.100s port %d: %.100s", d.Host, d.Port, config.Strerror(err))}
	}
}

// gaiText approximates gai_strerror for a failed lookup.
func gaiText(e *net.DNSError) string {
	if e.IsNotFound {
		return "Name or service not known"
	}
	if e.IsTemporary {
		return "Temporary failure in name resolution"
	}
	return e.Err
}

// fileExists is ParseDisplay's exists on the local file system.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
