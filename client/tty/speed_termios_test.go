//go:build linux || darwin || freebsd

package tty

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestSpeedToBaudLikeOpenSSH(t *testing.T) {
	for _, c := range []struct {
		speed uint64
		want  uint32
	}{
		{unix.B0, 0},
		{unix.B9600, 9600},
		{unix.B38400, 38400},
		{unix.B230400, 230400},
		// Not a speed: ssh's table answers 9600 for what it does not know.
		{1 << 40, 9600},
	} {
		if got := speedToBaud(c.speed); got != c.want {
			t.Errorf("speedToBaud(%#o) = %d, want %d", c.speed, got, c.want)
		}
	}
}
