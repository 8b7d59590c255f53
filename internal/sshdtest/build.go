//go:build unix

package sshdtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the gssh command into dir, as `make build` does (static,
// CGO_ENABLED=0), and returns the binary's path. Integration tests call it
// once from TestMain.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "gssh")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gssh/gssh/cmd/gssh")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}
