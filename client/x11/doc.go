// Package x11 is X11 forwarding for ssh -X and -Y, as OpenSSH 9.2 does it
// (clientloop.c client_x11_get_proto and client_request_x11, channels.c
// x11_request_forwarding_with_spoofing, x11_open_helper and
// x11_connect_display; RFC 4254 section 6.3):
//
//   - DISPLAY is checked for characters other than letters, digits and
//     ":/.-_" before anything uses it (ssh's client_x11_display_valid),
//     and is never passed through a shell: xauth runs with an argument
//     vector.
//   - The real cookie comes from xauth: "xauth list DISPLAY" when trusted
//     (-Y, ForwardX11Trusted), or a fresh untrusted one made with "xauth -f
//     FILE generate DISPLAY MIT-MAGIC-COOKIE-1 untrusted timeout N" in a
//     private temporary directory, N being ForwardX11Timeout plus 60
//     seconds. Without xauth data a trusted forwarding goes on with random
//     data; an untrusted one is not requested.
//   - The server gets a fake cookie of the same length in the x11-req
//     (single-connection false, the screen number of DISPLAY). The first
//     message of every "x11" channel the server opens must carry that
//     fake cookie and protocol; it is replaced by the real one before the
//     bytes reach the display, and a channel with anything else is closed.
//   - Channels opened after ForwardX11Timeout (untrusted forwarding only)
//     are refused.
//   - The display is /tmp/.X11-unix/XN for ":N" and "unix:N", TCP port
//     6000+N of the host for "host:N", or a socket path as XQuartz's
//     launchd sets it.
//
// The per-connection state (one real and one fake cookie, shared by every
// session of a ControlMaster, as in ssh) is a Forwarder. The parts that
// take no I/O (ParseDisplay, ScreenNumber, Spoof.Rewrite) are fuzzed.
package x11
