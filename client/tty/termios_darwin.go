package tty

import "golang.org/x/sys/unix"

// modeIUTF8 is IUTF8, which macOS's <termios.h> defines, so ssh sends it.
const modeIUTF8 = unix.IUTF8
