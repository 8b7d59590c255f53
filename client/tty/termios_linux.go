package tty

import "golang.org/x/sys/unix"

// The termios ioctls behind tcgetattr, tcsetattr(TCSADRAIN) and
// tcsetattr(TCSAFLUSH).
const (
	ioctlGetTermios      = unix.TCGETS
	ioctlSetTermiosDrain = unix.TCSETSW
	ioctlSetTermiosFlush = unix.TCSETSF
)

// The modes OpenSSH sends only where <termios.h> defines them (the #ifdefs
// of ttymodes.h). Linux has all the flags but none of VDSUSP and VSTATUS.
const (
	modeIUCLC = unix.IUCLC
	modeIUTF8 = unix.IUTF8
	modeXCASE = unix.XCASE
	modeOLCUC = unix.OLCUC
	ccVDSUSP  = -1
	ccVSTATUS = -1
)

// posixVDisable is _POSIX_VDISABLE, the c_cc value of a disabled control
// character, which ssh sends as 255.
const posixVDisable = 0

// ttySpeeds returns the output and input speed codes: glibc's cfgetospeed
// and cfgetispeed both read the CBAUD bits.
func ttySpeeds(tio *unix.Termios) (ospeed, ispeed uint64) {
	code := uint64(tio.Cflag & (unix.CBAUD | unix.CBAUDEX))
	return code, code
}

// extraSpeedToBaud answers for the speeds only the BSDs define: Linux has
// none of them, so anything not in the common table is 9600, as in ssh.
func extraSpeedToBaud(uint64) uint32 {
	return 9600
}
