//go:build linux || darwin || freebsd

package tty

import "golang.org/x/sys/unix"

// speedToBaud maps a termios speed to bits per second like OpenSSH's
// baud_to_speed table: the rates every system defines here, the BSDs'
// extra ones in extraSpeedToBaud; the table stops at 230400 and anything
// it does not know is 9600. On Linux the speed is a CBAUD code, on the
// BSDs the rate itself; the unix.B* constants hold whichever the system
// uses.
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
	return extraSpeedToBaud(speed)
}
