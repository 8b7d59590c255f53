//go:build unix

package keys

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadKeyFdJudgesTheDescriptor: the permissions that decide are those
// of the file the key is read from. A path swapped after it was opened
// (another file renamed over it, as whoever owns the directory can do
// between a stat of the path and a second open) changes neither the
// verdict nor the bytes read.
func TestReadKeyFdJudgesTheDescriptor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "id")
	swapIn := func(content string, mode os.FileMode) {
		t.Helper()
		tmp := filepath.Join(dir, "swap")
		if err := os.WriteFile(tmp, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tmp, mode); err != nil { // no umask
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	open := func() *os.File {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}

	// An exposed key opened, then a protected file put at its path: the
	// opened key is still refused, with its own mode.
	swapIn("exposed key", 0o644)
	f := open()
	swapIn("protected decoy", 0o600)
	_, err := ReadPrivate(f)
	var perms *PermsError
	if !errors.As(err, &perms) || perms.Mode != 0o644 {
		t.Fatalf("exposed key read through its descriptor: %v, want a 0644 PermsError", err)
	}

	// A protected key opened, then an exposed file put at its path: the
	// bytes read are the checked key's, not the newcomer's.
	swapIn("protected key", 0o600)
	f = open()
	swapIn("exposed decoy", 0o644)
	data, err := ReadPrivate(f)
	if err != nil || string(data) != "protected key" {
		t.Fatalf("protected key: %q, %v; want the checked file's bytes", data, err)
	}
}

func TestKeyPermsErrorMode(t *testing.T) {
	// ssh prints st_mode & 0777 with "0%3.3o".
	for mode, want := range map[os.FileMode]string{0o644: "bad permissions 0644", 0o044: "bad permissions 0044", 0o004: "bad permissions 0004"} {
		if got := (&PermsError{Mode: mode}).Error(); got != want {
			t.Errorf("mode %o: %q, want %q", mode, got, want)
		}
	}
}
