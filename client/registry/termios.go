//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// flag is any of the integer types struct termios uses on the Unixes
// gssh builds for.
type flag interface {
	~uint32 | ~uint64 | ~int32 | ~int64 | ~uint8
}

func set[T flag](dst *T, v uint64) { *dst = T(v) }

func fromTermios(t *unix.Termios) Termios {
	return Termios{
		Iflag: uint64(t.Iflag), Oflag: uint64(t.Oflag), Cflag: uint64(t.Cflag), Lflag: uint64(t.Lflag),
		Cc: append([]byte(nil), t.Cc[:]...), Ispeed: uint64(t.Ispeed), Ospeed: uint64(t.Ospeed),
	}
}

// apply writes m's modes into t, keeping t's fields m does not have.
func (m Termios) apply(t *unix.Termios) {
	set(&t.Iflag, m.Iflag)
	set(&t.Oflag, m.Oflag)
	set(&t.Cflag, m.Cflag)
	set(&t.Lflag, m.Lflag)
	set(&t.Ispeed, m.Ispeed)
	set(&t.Ospeed, m.Ospeed)
	copy(t.Cc[:], m.Cc)
}

// SaveTTY records the terminal on fd (gssh's standard input) and its
// current modes; nil when fd is not a terminal or its path is unknown.
func SaveTTY(fd int) *TTY {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return nil
	}
	path := ttyName(fd)
	if !ttyPath(path) {
		return nil
	}
	return &TTY{Path: path, Rdev: uint64(st.Rdev), Termios: fromTermios(t)}
}

// ErrNotSameTTY is returned by RestoreTTY when the path no longer names
// the recorded terminal, or the terminal is not the caller's.
var ErrNotSameTTY = errors.New("registry: not the recorded terminal")

// RestoreTTY puts back the modes saved in t when the terminal's current
// modes differ (gssh left it raw), and reports whether it did. It opens
// the path without becoming its controlling terminal and without
// following a symbolic link, and acts only when the device is a character
// device with the recorded device number, owned by uid: a path that now
// names another terminal, or someone else's, is left alone.
func RestoreTTY(t *TTY, uid int) (bool, error) {
	if t == nil || !ttyPath(t.Path) {
		return false, nil
	}
	f, err := os.OpenFile(t.Path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false, fmt.Errorf("registry: terminal %s: %w", t.Path, err)
	}
	defer f.Close()
	fd := int(f.Fd())
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return false, fmt.Errorf("registry: terminal %s: %w", t.Path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || uint64(st.Rdev) != t.Rdev || int(st.Uid) != uid {
		return false, fmt.Errorf("%w: %s", ErrNotSameTTY, t.Path)
	}
	cur, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return false, fmt.Errorf("registry: terminal %s: %w", t.Path, err)
	}
	want := *cur
	t.Termios.apply(&want)
	if want == *cur {
		return false, nil
	}
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &want); err != nil {
		return false, fmt.Errorf("registry: terminal %s: %w", t.Path, err)
	}
	return true, nil
}
