//go:build linux || darwin || freebsd

package tty

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Opcodes of RFC 4254 §8 that take a speed.
const (
	ttyOpISpeed = 128
	ttyOpOSpeed = 129
)

// ttyChar is one control character: the opcode and its c_cc index, or a
// negative index where the platform lacks it.
type ttyChar struct {
	op byte
	cc int
}

// ttyFlag is one boolean mode: which termios field, the bit, the opcode. A
// zero mask is a flag the platform lacks.
type ttyFlag struct {
	op    byte
	field byte // 'i', 'l', 'o', 'c'
	mask  uint64
}

// ttyChars lists the control characters in OpenSSH's ttymodes.h order.
// VFLUSH (15) and VSWTCH (16) are left out: no supported platform has them.
var ttyChars = [...]ttyChar{
	{1, unix.VINTR}, {2, unix.VQUIT}, {3, unix.VERASE}, {4, unix.VKILL},
	{5, unix.VEOF}, {6, unix.VEOL}, {7, unix.VEOL2}, {8, unix.VSTART},
	{9, unix.VSTOP}, {10, unix.VSUSP}, {11, ccVDSUSP}, {12, unix.VREPRINT},
	{13, unix.VWERASE}, {14, unix.VLNEXT}, {17, ccVSTATUS}, {18, unix.VDISCARD},
}

// ttyFlags lists the boolean modes in OpenSSH's order. CS7 is tested as
// (c_cflag & CS7) != 0 there, which is also true for CS8: kept on purpose.
var ttyFlags = [...]ttyFlag{
	{30, 'i', unix.IGNPAR}, {31, 'i', unix.PARMRK}, {32, 'i', unix.INPCK},
	{33, 'i', unix.ISTRIP}, {34, 'i', unix.INLCR}, {35, 'i', unix.IGNCR},
	{36, 'i', unix.ICRNL}, {37, 'i', modeIUCLC}, {38, 'i', unix.IXON},
	{39, 'i', unix.IXANY}, {40, 'i', unix.IXOFF}, {41, 'i', unix.IMAXBEL},
	{42, 'i', modeIUTF8},
	{50, 'l', unix.ISIG}, {51, 'l', unix.ICANON}, {52, 'l', modeXCASE},
	{53, 'l', unix.ECHO}, {54, 'l', unix.ECHOE}, {55, 'l', unix.ECHOK},
	{56, 'l', unix.ECHONL}, {57, 'l', unix.NOFLSH}, {58, 'l', unix.TOSTOP},
	{59, 'l', unix.IEXTEN}, {60, 'l', unix.ECHOCTL}, {61, 'l', unix.ECHOKE},
	{62, 'l', unix.PENDIN},
	{70, 'o', unix.OPOST}, {71, 'o', modeOLCUC}, {72, 'o', unix.ONLCR},
	{73, 'o', unix.OCRNL}, {74, 'o', unix.ONOCR}, {75, 'o', unix.ONLRET},
	{90, 'c', unix.CS7}, {91, 'c', unix.CS8}, {92, 'c', unix.PARENB},
	{93, 'c', unix.PARODD},
}

// encodeModes is the pure part of modes, for tests. Like OpenSSH built for
// this platform, it sends only the characters and flags the platform has.
func encodeModes(tio *unix.Termios) []byte {
	var b []byte
	put := func(op byte, v uint32) {
		b = append(b, op)
		b = binary.BigEndian.AppendUint32(b, v)
	}
	ospeed, ispeed := ttySpeeds(tio)
	put(ttyOpOSpeed, speedToBaud(ospeed))
	put(ttyOpISpeed, speedToBaud(ispeed))
	for _, c := range ttyChars {
		if c.cc < 0 {
			continue
		}
		v := uint32(tio.Cc[c.cc])
		if v == posixVDisable {
			v = 255
		}
		put(c.op, v)
	}
	for _, f := range ttyFlags {
		if f.mask == 0 {
			continue
		}
		var field uint64
		switch f.field {
		case 'i':
			field = uint64(tio.Iflag)
		case 'l':
			field = uint64(tio.Lflag)
		case 'o':
			field = uint64(tio.Oflag)
		case 'c':
			field = uint64(tio.Cflag)
		}
		var on uint32
		if field&f.mask != 0 {
			on = 1
		}
		put(f.op, on)
	}
	return append(b, 0) // TTY_OP_END
}
