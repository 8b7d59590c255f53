package tty

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/crash"
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

// continueInBackground is the helper Background starts: it waits until
// the process (its first argument) is stopped and the terminal's
// foreground process group is no longer the process's own, that is,
// until the job-control shell has seen the stop and taken the terminal
// back, and then continues the process, which goes on as a background
// job. It gives up after 10 s (an orphaned process group, where the
// kernel discards SIGTSTP, never stops) or when the process is gone.
const continueInBackground = `p=$1 i=0
while [ $i -lt 200 ] && s=$(ps -o stat=,pgid=,tpgid= -p "$p"); do
	set -- $s
	case $1 in T*) [ "$2" != "$3" ] && exec kill -CONT "$p";; esac
	i=$((i + 1))
	sleep 0.05
done`

// background stops gssh as stopSelf does and has a helper process
// continue it once its shell has taken the terminal back (see
// continueInBackground).
func background() error {
	helper := exec.Command("/bin/sh", "-c", continueInBackground, "sh", strconv.Itoa(os.Getpid()))
	// Own session: the helper holds no terminal and survives no hangup
	// it should not; its standard streams are /dev/null.
	helper.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := helper.Start(); err != nil {
		return fmt.Errorf("background helper: %w", err)
	}
	crash.Go(func() { helper.Wait() })
	return stopSelf()
}

func canBackground() bool { return true }
