package client

import (
	"encoding/binary"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Terminal is the local terminal on stdin. A session with a pty switches it
// to raw mode the way ssh's enter_raw_mode does and puts it back when the
// session ends. Restore is idempotent and safe from any goroutine, so the
// caller can also call it from its own exit paths.
type Terminal struct {
	fd int

	mu    sync.Mutex
	saved *unix.Termios // the cooked settings while raw, else nil
}

// OpenTerminal returns the terminal on fd, or nil when fd is not a
// terminal: ssh then never allocates a pty unless forced, and never
// touches the mode.
func OpenTerminal(fd int) *Terminal {
	if !term.IsTerminal(fd) {
		return nil
	}
	return &Terminal{fd: fd}
}

// MakeRaw puts the terminal into ssh's raw mode until Restore. Calling it
// while raw does nothing.
func (t *Terminal) MakeRaw() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved != nil {
		return nil
	}
	tio, err := unix.IoctlGetTermios(t.fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("client: tcgetattr: %w", err)
	}
	saved := *tio
	// Exactly sshtty.c's changes, not cfmakeraw's: parity and character
	// size stay as the user set them.
	tio.Iflag |= unix.IGNPAR
	tio.Iflag &^= unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXANY | unix.IXOFF | unix.IUCLC
	tio.Lflag &^= unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL | unix.IEXTEN
	tio.Oflag &^= unix.OPOST
	tio.Cc[unix.VMIN] = 1
	tio.Cc[unix.VTIME] = 0
	// TCSETSW is TCSADRAIN: output already written keeps its old
	// post-processing.
	if err := unix.IoctlSetTermios(t.fd, unix.TCSETSW, tio); err != nil {
		return fmt.Errorf("client: tcsetattr: %w", err)
	}
	t.saved = &saved
	return nil
}

// Restore puts back the settings MakeRaw replaced. It does nothing when
// the terminal is not raw, and may be called from any goroutine (signal
// handlers, panics, the caller's own exit path). A nil Terminal is valid.
func (t *Terminal) Restore() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.saved == nil {
		return nil
	}
	if err := unix.IoctlSetTermios(t.fd, unix.TCSETSW, t.saved); err != nil {
		return fmt.Errorf("client: tcsetattr: %w", err)
	}
	t.saved = nil
	return nil
}

// RestoreOnPanic restores the terminal if the calling goroutine is
// panicking, then panics again: a crash must not leave the user's terminal
// raw. Use it as "defer t.RestoreOnPanic()" at the top of a goroutine.
func (t *Terminal) RestoreOnPanic() {
	if r := recover(); r != nil {
		t.Restore()
		panic(r)
	}
}

// windowSize is the pty-req and window-change size in ssh's order:
// columns, rows, then pixels.
type windowSize struct {
	Cols, Rows, Width, Height uint32
}

// size reads the window size like ssh: from stdin, and all zeros when that
// fails or there is no terminal (ssh sends 0x0, not 80x24).
func (t *Terminal) size() windowSize {
	if t == nil {
		return windowSize{}
	}
	ws, err := unix.IoctlGetWinsize(t.fd, unix.TIOCGWINSZ)
	if err != nil {
		return windowSize{}
	}
	return windowSize{Cols: uint32(ws.Col), Rows: uint32(ws.Row), Width: uint32(ws.Xpixel), Height: uint32(ws.Ypixel)}
}

// modes encodes the terminal's current settings as the pty-req mode string
// (RFC 4254 §8), in the order and with the quirks of OpenSSH's
// ssh_tty_make_modes on Linux. Without a terminal ssh sends no modes at
// all, only TTY_OP_END, and the server keeps its defaults.
func (t *Terminal) modes() []byte {
	if t == nil {
		return []byte{0}
	}
	tio, err := unix.IoctlGetTermios(t.fd, unix.TCGETS)
	if err != nil {
		return []byte{0}
	}
	return encodeModes(tio)
}

// Opcodes of RFC 4254 §8 that take a speed.
const (
	ttyOpISpeed = 128
	ttyOpOSpeed = 129
)

// ttyFlag is one boolean mode: which termios field, the bit, the opcode.
type ttyFlag struct {
	op    byte
	field byte // 'i', 'l', 'o', 'c'
	mask  uint32
}

// encodeModes is the pure part of modes, for tests.
func encodeModes(tio *unix.Termios) []byte {
	// ttyChars pairs each control-character opcode ssh sends on Linux with its
	// c_cc index. VDSUSP, VFLUSH, VSWTCH and VSTATUS do not exist there.
	ttyChars := [...]struct {
		op byte
		cc int
	}{
		{1, unix.VINTR}, {2, unix.VQUIT}, {3, unix.VERASE}, {4, unix.VKILL},
		{5, unix.VEOF}, {6, unix.VEOL}, {7, unix.VEOL2}, {8, unix.VSTART},
		{9, unix.VSTOP}, {10, unix.VSUSP}, {12, unix.VREPRINT}, {13, unix.VWERASE},
		{14, unix.VLNEXT}, {18, unix.VDISCARD},
	}

	// ttyFlags lists the boolean modes in OpenSSH's order. CS7 is tested as
	// (c_cflag & CS7) != 0 there, which is also true for CS8: kept on purpose.
	ttyFlags := [...]ttyFlag{
		{30, 'i', unix.IGNPAR}, {31, 'i', unix.PARMRK}, {32, 'i', unix.INPCK},
		{33, 'i', unix.ISTRIP}, {34, 'i', unix.INLCR}, {35, 'i', unix.IGNCR},
		{36, 'i', unix.ICRNL}, {37, 'i', unix.IUCLC}, {38, 'i', unix.IXON},
		{39, 'i', unix.IXANY}, {40, 'i', unix.IXOFF}, {41, 'i', unix.IMAXBEL},
		{42, 'i', unix.IUTF8},
		{50, 'l', unix.ISIG}, {51, 'l', unix.ICANON}, {52, 'l', unix.XCASE},
		{53, 'l', unix.ECHO}, {54, 'l', unix.ECHOE}, {55, 'l', unix.ECHOK},
		{56, 'l', unix.ECHONL}, {57, 'l', unix.NOFLSH}, {58, 'l', unix.TOSTOP},
		{59, 'l', unix.IEXTEN}, {60, 'l', unix.ECHOCTL}, {61, 'l', unix.ECHOKE},
		{62, 'l', unix.PENDIN},
		{70, 'o', unix.OPOST}, {71, 'o', unix.OLCUC}, {72, 'o', unix.ONLCR},
		{73, 'o', unix.OCRNL}, {74, 'o', unix.ONOCR}, {75, 'o', unix.ONLRET},
		{90, 'c', unix.CS7}, {91, 'c', unix.CS8}, {92, 'c', unix.PARENB},
		{93, 'c', unix.PARODD},
	}
	var b []byte
	put := func(op byte, v uint32) {
		b = append(b, op)
		b = binary.BigEndian.AppendUint32(b, v)
	}
	// glibc's cfgetospeed and cfgetispeed both read the CBAUD bits.
	baud := speedToBaud(tio.Cflag & (unix.CBAUD | unix.CBAUDEX))
	put(ttyOpOSpeed, baud)
	put(ttyOpISpeed, baud)
	for _, c := range ttyChars {
		v := uint32(tio.Cc[c.cc])
		if v == 0 { // _POSIX_VDISABLE on Linux
			v = 255
		}
		put(c.op, v)
	}
	for _, f := range ttyFlags {
		var field uint32
		switch f.field {
		case 'i':
			field = tio.Iflag
		case 'l':
			field = tio.Lflag
		case 'o':
			field = tio.Oflag
		case 'c':
			field = tio.Cflag
		}
		put(f.op, uint32(boolInt(field&f.mask != 0)))
	}
	return append(b, 0) // TTY_OP_END
}

// speedToBaud maps a termios speed code to bits per second like OpenSSH's
// table, which stops at 230400 and answers 9600 for anything else.
func speedToBaud(code uint32) uint32 {
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
