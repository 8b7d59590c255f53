//go:build unix

package faults

import (
	"syscall"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// Freeze stops the processes pids with SIGSTOP and returns a function that
// continues them with SIGCONT. If thaw was not called when the test ends,
// their descendants are killed and they are continued. The kernel still acknowledges TCP segments for a
// stopped process, so its peer sees an open connection that never answers.
func Freeze(t testing.TB, pids []int) (thaw func()) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP %d: %v", pid, err)
		}
	}
	done := false
	thaw = func() {
		if done {
			return
		}
		done = true
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(func() {
		if done {
			return
		}
		// The test is over. Their children go first, while they still
		// are their children: a thawed sshd session whose connection is
		// gone exits and leaves its command, which has no pty to hang
		// up, to init, where no Stop finds it.
		for _, pid := range pids {
			for _, child := range sshdtest.Descendants(pid) {
				syscall.Kill(child, syscall.SIGKILL)
			}
		}
		thaw()
	})
	return thaw
}

// FreezeSessions freezes every sshd process serving a connection on s
// (not the listener, which keeps accepting). It fails the test when there
// is none, since the freeze would then test nothing.
func FreezeSessions(t testing.TB, s *sshdtest.Server) (thaw func()) {
	t.Helper()
	pids := s.SessionPIDs()
	if len(pids) == 0 {
		t.Fatal("faults: no sshd session process to freeze")
	}
	return Freeze(t, pids)
}
