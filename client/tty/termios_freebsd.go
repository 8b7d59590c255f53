package tty

// modeIUTF8 is zero: golang.org/x/sys/unix has no IUTF8 for FreeBSD, so
// the mode is left out as ssh leaves out what <termios.h> lacks.
const modeIUTF8 = 0
