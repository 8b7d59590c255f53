//go:build unix

package faults

import (
	"syscall"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// Freeze stops the processes pids with SIGSTOP and returns a function that
// continues them with SIGCONT. They are continued when the test ends if
// thaw was not called. The kernel still acknowledges TCP segments for a
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
	t.Cleanup(thaw)
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
	thaw = Freeze(t, pids)
	// Cleanups run last-registered first, so the server stops while its
	// sessions are still frozen. Thawed first, a session's sshd would find
	// its connection gone and exit, leaving its command (without a pty,
	// nothing signals it) to init, out of Stop's reach.
	t.Cleanup(s.Stop)
	return thaw
}
