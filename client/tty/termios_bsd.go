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

// extraSpeedToBaud answers for the rates OpenSSH's table has only where
// <termios.h> defines them, as the BSDs do; anything else is 9600.
func extraSpeedToBaud(speed uint64) uint32 {
	switch speed {
	case unix.B7200:
		return 7200
	case unix.B14400:
		return 14400
	case unix.B28800:
		return 28800
	case unix.B76800:
		return 76800
	}
	return 9600
}
