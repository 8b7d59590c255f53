//go:build unix

package registry

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/testenv"
)

func TestDirPath(t *testing.T) {
	env := map[string]string{"XDG_RUNTIME_DIR": "/run/user/7"}
	if got := DirPath(func(k string) string { return env[k] }, "/home/a"); got != "/run/user/7/gssh" {
		t.Errorf("got %s", got)
	}
	env["XDG_RUNTIME_DIR"] = "relative"
	if got := DirPath(func(k string) string { return env[k] }, "/home/a"); got != "/home/a/.ssh/gssh" {
		t.Errorf("got %s", got)
	}
}

func TestOpenDirCreatesPrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "gssh")
	if _, err := OpenDir(p, true); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
}

// The directory checks a ControlPath's directory gets: writable by
// others, someone else's, a symbolic link, or under a parent others can
// swap it in, and it is refused.
func TestOpenDirRefusesUnsafe(t *testing.T) {
	base := t.TempDir()
	var unsafe *UnsafeDirError

	ww := filepath.Join(base, "ww")
	os.Mkdir(ww, 0o700)
	os.Chmod(ww, 0o777)
	if _, err := OpenDir(ww, true); !errors.As(err, &unsafe) {
		t.Errorf("world-writable: %v", err)
	}

	link := filepath.Join(base, "link")
	os.Symlink(t.TempDir(), link)
	if _, err := OpenDir(link, false); !errors.As(err, &unsafe) {
		t.Errorf("symlink: %v", err)
	}

	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777) // not sticky
	if _, err := OpenDir(filepath.Join(open, "gssh"), true); !errors.As(err, &unsafe) {
		t.Errorf("parent writable by others: %v", err)
	}

	if os.Getuid() != 0 {
		testenv.SkipOrFail(t, "chown to another user needs root")
	}
	theirs := filepath.Join(base, "theirs")
	os.Mkdir(theirs, 0o700)
	os.Chown(theirs, 65534, 65534)
	if _, err := OpenDir(theirs, true); !errors.As(err, &unsafe) {
		t.Errorf("owned by another user: %v", err)
	}
}

func testDir(t *testing.T) *Dir {
	d, err := OpenDir(filepath.Join(t.TempDir(), "gssh"), true)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReadRefusesForeignFiles(t *testing.T) {
	d := testDir(t)
	// A symbolic link named like an entry is not followed.
	target := filepath.Join(t.TempDir(), "x.json")
	b, _ := Encode(sample())
	os.WriteFile(target, b, 0o600)
	os.Symlink(target, filepath.Join(d.Path, "0123abcd.json"))
	if _, err := d.Read("0123abcd"); err == nil {
		t.Error("followed a symbolic link")
	}
	// An entry whose ID differs from its name is refused.
	os.WriteFile(filepath.Join(d.Path, "aaaaaaaa.json"), b, 0o600)
	if _, err := d.Read("aaaaaaaa"); err == nil {
		t.Error("accepted an entry under another name")
	}
	if os.Getuid() == 0 {
		e := sample()
		e.ID = "bbbbbbbb"
		d.Write(e)
		os.Chown(filepath.Join(d.Path, "bbbbbbbb.json"), 65534, 65534)
		if _, err := d.Read("bbbbbbbb"); err == nil {
			t.Error("accepted another user's entry")
		}
	}
}

func TestPublishListEndClose(t *testing.T) {
	d := testDir(t)
	ended := make(chan struct{})
	p, err := Publish(d, Entry{Role: RoleTunnel, Destination: "h", HostName: "h", AliveInterval: time.Second},
		func(e *Entry) { e.LastReply = time.Now() }, func() { close(ended) })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A stale entry: a pid that exists but is another process.
	stale := sample()
	stale.ID, stale.PID, stale.UID = "cafef00d", os.Getpid(), os.Getuid()
	d.Write(stale)

	live, errs := d.List()
	if len(errs) > 0 || len(live) != 1 || live[0].ID != p.ID() || live[0].Role != RoleTunnel {
		t.Fatalf("List: %+v %v", live, errs)
	}
	if _, err := os.Stat(filepath.Join(d.Path, "cafef00d.json")); !os.IsNotExist(err) {
		t.Errorf("stale entry left: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := d.RequestEnd(ctx, &live[0].Entry); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Fatal("onEnd not called")
	}
	// The ticker rewrites the entry with the live fields.
	deadline := time.Now().Add(3 * time.Second)
	for {
		e, err := d.Read(p.ID())
		if err == nil && !e.LastReply.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry never refreshed: %+v %v", e, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Close()
	if m, _ := filepath.Glob(filepath.Join(d.Path, "*")); len(m) != 0 {
		t.Errorf("left after Close: %v", m)
	}
}

// RestoreTTY puts back saved modes on the same terminal, and refuses a
// path that now names another device.
func TestRestoreTTY(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		testenv.SkipOrFail(t, "no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	saved := SaveTTY(int(tty.Fd()))
	if saved == nil || saved.Path != tty.Name() {
		t.Fatalf("SaveTTY: %+v (want path %s)", saved, tty.Name())
	}
	before := stty(t, tty)
	raw, _ := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	raw.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG
	unix.IoctlSetTermios(int(tty.Fd()), ioctlSetTermios, raw)
	if stty(t, tty) == before {
		t.Fatal("terminal not changed")
	}
	done, err := RestoreTTY(saved, os.Getuid())
	if err != nil || !done {
		t.Fatalf("RestoreTTY: %v %v", done, err)
	}
	if got := stty(t, tty); got != before {
		t.Fatalf("stty -g %s, want %s", got, before)
	}
	if done, err := RestoreTTY(saved, os.Getuid()); err != nil || done {
		t.Fatalf("second RestoreTTY: %v %v", done, err)
	}
	other := *saved
	other.Rdev++
	if _, err := RestoreTTY(&other, os.Getuid()); !errors.Is(err, ErrNotSameTTY) {
		t.Fatalf("another device: %v", err)
	}
	if _, err := RestoreTTY(saved, os.Getuid()+1); !errors.Is(err, ErrNotSameTTY) {
		t.Fatalf("another owner: %v", err)
	}
}

func stty(t *testing.T, tty *os.File) string {
	cmd := exec.Command("stty", "-g")
	cmd.Stdin = tty
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
