//go:build unix

package sshdtest

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build compiles the gssh command into dir and returns the binary's path.
// Integration tests call it once from TestMain.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "gssh")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gssh/gssh/cmd/gssh").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}
