//go:build unix

package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build compiles the gssh command into dir, with the given extra build
// tags, and returns the binary's path. Integration tests call it once
// from TestMain.
//
// Normally the binary is built as `make build` builds it: static,
// CGO_ENABLED=0. When the tests themselves run under the race detector
// (RaceEnabled), gssh is built with -race as well, so that the mux
// master, self-healing, --timeout and signal relaying that only run in
// the binary are race-checked too; see WatchRaces for how its reports
// reach the test. -race needs cgo on linux/amd64, so that build turns cgo
// on and adds the netgo and osusergo tags: Go's own resolver and user
// lookup then run, as in the static binary, rather than the C library's.
func Build(dir string, tags ...string) (string, error) {
	return build(dir, RaceEnabled, tags)
}

// BuildStatic is Build without the race detector whatever the tests run
// with, for the few tests that measure what the shipped binary costs:
// the race detector's shadow memory multiplies gssh's resident size.
func BuildStatic(dir string, tags ...string) (string, error) {
	return build(dir, false, tags)
}

func build(dir string, race bool, tags []string) (string, error) {
	bin := filepath.Join(dir, "gssh")
	args := []string{"build", "-o", bin}
	cgo := "CGO_ENABLED=0"
	if race {
		args = append(args, "-race")
		cgo = "CGO_ENABLED=1"
		tags = append(tags, "netgo", "osusergo")
	}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, "github.com/gssh/gssh/cmd/gssh")...)
	cmd.Env = append(os.Environ(), cgo)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}
