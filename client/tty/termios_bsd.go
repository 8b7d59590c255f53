//go:build darwin || freebsd

package tty

import "golang.org/x/sys/unix"

// The termios ioctls behind tcgetattr, tcsetattr(TCSADRAIN) and
// tcsetattr(TCSAFLUSH).
const (
	ioctlGetTermios      = unix.TIOCGETA
	ioctlSetTermiosDrain = unix.TIOCSETAW
	ioctlSetTermiosFlush = unix.TIOCSETAF
)

// The modes OpenSSH sends only where <termios.h> defines them (the #ifdefs
// of ttymodes.h): the BSDs have VDSUSP and VSTATUS but not IUCLC, XCASE or
// OLCUC. IUTF8 is per system (termios_darwin.go, termios_freebsd.go).
const (
	modeIUCLC = 0
	modeXCASE = 0
	modeOLCUC = 0
	ccVDSUSP  = unix.VDSUSP
	ccVSTATUS = unix.VSTATUS
)

// posixVDisable is _POSIX_VDISABLE, the c_cc value of a disabled control
// character, which ssh sends as 255.
const posixVDisable = 0xff

// ttySpeeds returns the output and input speeds as cfgetospeed and
// cfgetispeed do: separate fields, holding the rate itself.
func ttySpeeds(tio *unix.Termios) (ospeed, ispeed uint64) {
	return uint64(tio.Ospeed), uint64(tio.Ispeed)
}

// speedToBaud maps a termios speed to bits per second like OpenSSH's
// table, which has the BSDs' extra rates, stops at 230400 and answers 9600
// for anything else.
func speedToBaud(speed uint64) uint32 {
	switch speed {
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
	case unix.B7200:
		return 7200
	case unix.B14400:
		return 14400
	case unix.B19200:
		return 19200
	case unix.B28800:
		return 28800
	case unix.B38400:
		return 38400
	case unix.B57600:
		return 57600
	case unix.B76800:
		return 76800
	case unix.B115200:
		return 115200
	case unix.B230400:
		return 230400
	}
	return 9600
}
