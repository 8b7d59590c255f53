//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package registry

// SaveTTY records nothing where gssh does not know struct termios.
func SaveTTY(int) *TTY { return nil }

// RestoreTTY does nothing where gssh does not know struct termios.
func RestoreTTY(*TTY, int) (bool, error) { return false, nil }
