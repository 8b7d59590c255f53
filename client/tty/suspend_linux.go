package tty

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// stopSelf stops gssh with SIGTSTP, as ssh's kill(getpid(), SIGTSTP)
// does for ~^Z, and returns once the process has been continued (fg, or
// SIGCONT). The signal is sent to the calling thread, locked to it for
// the purpose: the kernel then stops the whole process before the call
// returns, so the caller cannot put the terminal back into raw mode
// while its shell is using it. A process-directed signal would be taken
// by some other thread a moment later. In an orphaned process group the
// kernel discards SIGTSTP, and stopSelf returns at once, as ssh does.
func stopSelf() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return unix.Tgkill(unix.Getpid(), unix.Gettid(), unix.SIGTSTP)
}
