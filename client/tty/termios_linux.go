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

// speedToBaud maps a termios speed code to bits per second like OpenSSH's
// table, which stops at 230400 and answers 9600 for anything else.
func speedToBaud(code uint64) uint32 {
	switch code {
	case unix.B0:
		return 0
	case unix.B50:
		return 50
	case unix.B75:
		return 75
	case unix.B110:
		return 110
	case unix.B134:
		return 134
	case unix.B150:
		return 150
	case unix.B200:
		return 200
	case unix.B300:
		return 300
	case unix.B600:
		return 600
	case unix.B1200:
		return 1200
	case unix.B1800:
		return 1800
	case unix.B2400:
		return 2400
	case unix.B4800:
		return 4800
	case unix.B19200:
		return 19200
	case unix.B38400:
		return 38400
	case unix.B57600:
		return 57600
	case unix.B115200:
		return 115200
	case unix.B230400:
		return 230400
	}
	return 9600
}
