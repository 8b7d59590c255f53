// Package tty is gssh's one API to the local terminal: raw mode and its
// restoration (sshtty.c's enter_raw_mode and leave_raw_mode), the ~C
// command line's mode, the window size and its changes, the terminal
// modes a pty-req carries (RFC 4254 §8, OpenSSH's ttymodes.c), stopping
// for ~^Z and going to the background for ~&, and prompts for passwords
// and answers on the controlling terminal (readpassphrase). Terminal and
// the exported functions are declared once; the per-OS parts are
// unexported functions in the _termios, _linux, _bsd and _windows files,
// as in golang.org/x/term.
package tty
