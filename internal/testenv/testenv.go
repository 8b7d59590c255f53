// Package testenv decides what a test does when the machine lacks
// something it needs: a program, a user, root, a kernel feature. On a
// developer's machine the test is skipped and says why; under CI=true it
// fails, because there a skipped test would hide that a property was
// never checked (.ci/setup installs everything the tests need).
//
// Every skip in the module goes through SkipOrFail, so
// `grep -rn 't\.Skip' --include=*_test.go .` finds it alone.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under continuous integration, where
// nothing may be skipped. It follows the CI=true convention of GitHub
// Actions, GitLab and .ci/run.
func InCI() bool {
	return os.Getenv("CI") == "true"
}

// SkipOrFail ends the test because of what the reason (a fmt format)
// describes: a skip on a developer's machine, a failure under CI=true.
// Like t.Skipf and t.Fatalf it must be called from the test's goroutine.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (under CI=true this is a failure, not a skip: run .ci/setup)", reason)
		return
	}
	t.Skip(reason)
}

// LookPath returns the path of the program name, ending the test with
// SkipOrFail when it is not installed.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, "%s not installed: %v", name, err)
	}
	return path
}
