//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// foregroundJobEnv makes the test binary act as a job-control shell
// (runForegroundJob) instead of running tests.
const foregroundJobEnv = "GSSH_TEST_FOREGROUND_JOB"

// runForegroundJob runs argv as a shell runs a foreground job: in its own
// process group, which becomes the terminal's foreground group, with this
// process as its parent in the same session. Only then can the job stop
// itself with SIGTSTP (~^Z): the kernel discards SIGTSTP in an orphaned
// process group, such as that of a session leader started by a test. It
// returns the job's exit status and ignores its stops, as a shell waiting
// for `fg` would.
func runForegroundJob(argv []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Foreground: true, Ctty: 0}
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 127
	}
	return 0
}
