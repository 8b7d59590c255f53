//go:build unix

package registry

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Supported tells whether this platform has the registry.
const Supported = true

// Dir is the registry directory of the current user.
type Dir struct {
	Path string
	uid  int
}

// DirPath is where the registry lives: $XDG_RUNTIME_DIR/gssh when that
// variable holds an absolute path, else ~/.ssh/gssh under home.
func DirPath(getenv func(string) string, home string) string {
	if x := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		return filepath.Join(x, "gssh")
	}
	return filepath.Join(home, ".ssh", "gssh")
}

// OpenDir opens (creating it, mode 0700, when create is set; its parent
// must exist) the registry directory at path and checks it as ssh checks a ControlPath's directory:
// it must be a real directory (not a symbolic link), owned by the caller,
// and writable by nobody else; its parent must be owned by the caller or
// root and, when others may write to it, sticky, so that nobody else can
// put another directory in its place.
func OpenDir(path string, create bool) (*Dir, error) {
	uid := os.Getuid()
	if create {
		if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("registry: %w", err)
		}
	}
	if err := checkDir(filepath.Dir(path), uid, true); err != nil {
		return nil, err
	}
	if err := checkDir(path, uid, false); err != nil {
		return nil, err
	}
	return &Dir{Path: path, uid: uid}, nil
}

// UnsafeDirError reports a registry directory, or its parent, that others
// could change.
type UnsafeDirError struct {
	Path   string
	Reason string
}

func (e *UnsafeDirError) Error() string {
	return fmt.Sprintf("registry: unsafe directory %s: %s", e.Path, e.Reason)
}

func checkDir(path string, uid int, parent bool) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return fmt.Errorf("registry: %s: %w", path, err)
	}
	unsafe := func(reason string) error { return &UnsafeDirError{Path: path, Reason: reason} }
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return unsafe("not a directory")
	case int(st.Uid) != uid && !(parent && st.Uid == 0):
		return unsafe(fmt.Sprintf("owned by uid %d", st.Uid))
	case parent && st.Mode&0o022 != 0 && st.Mode&unix.S_ISVTX == 0:
		return unsafe("writable by others and not sticky")
	case !parent && st.Mode&0o022 != 0:
		return unsafe("writable by group or others")
	}
	return nil
}

// NewID returns a fresh random entry ID.
func NewID() (string, error) {
	var b [4]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		return "", fmt.Errorf("registry: id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func (d *Dir) file(id string) string { return filepath.Join(d.Path, id+".json") }

// EndSocket is the path of the end socket of the entry with this ID.
func (d *Dir) EndSocket(id string) string { return filepath.Join(d.Path, id+".sock") }

// Write stores e atomically: a temporary file in the same directory, mode
// 0600, then rename over ID.json, so a reader sees the old entry or the
// new one, never half of one.
func (d *Dir) Write(e Entry) error {
	b, err := Encode(e)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(d.Path, "."+e.ID+".*")
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), d.file(e.ID))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("registry: %w", err)
	}
	return nil
}

// Remove deletes the entry with this ID and its end socket.
func (d *Dir) Remove(id string) {
	if ValidID(id) {
		os.Remove(d.file(id))
		os.Remove(d.EndSocket(id))
	}
}

// Read reads the entry with this ID. The file must be a regular file
// owned by the caller, at most MaxEntrySize long, and its ID must match
// its name.
func (d *Dir) Read(id string) (Entry, error) {
	if !ValidID(id) {
		return Entry{}, fmt.Errorf("registry: bad id %q", id)
	}
	f, err := os.OpenFile(d.file(id), os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return Entry{}, fmt.Errorf("registry: %w", err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return Entry{}, fmt.Errorf("registry: %w", err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return Entry{}, fmt.Errorf("registry: %s: not a regular file", f.Name())
	case int(st.Uid) != d.uid:
		return Entry{}, fmt.Errorf("registry: %s: owned by uid %d", f.Name(), st.Uid)
	case st.Size > MaxEntrySize:
		return Entry{}, fmt.Errorf("registry: %s: %w", f.Name(), ErrTooLong)
	}
	e, err := Decode(f)
	if err != nil {
		return Entry{}, fmt.Errorf("%w (%s)", err, f.Name())
	}
	if e.ID != id {
		return Entry{}, fmt.Errorf("registry: %s: holds id %q", f.Name(), e.ID)
	}
	return e, nil
}

// Live is an entry whose process is running, with what the process table
// says about it.
type Live struct {
	Entry
	Proc Proc
}

// List returns the entries of running processes, oldest first. An entry
// whose process is gone (no such pid, or a pid now used by another
// process: different start time, boot or owner) is stale and removed.
// Files that are not entries are skipped; unreadable or malformed entries
// are returned as errors beside the list, and left in place.
func (d *Dir) List() ([]Live, []error) {
	names, err := os.ReadDir(d.Path)
	if err != nil {
		return nil, []error{fmt.Errorf("registry: %w", err)}
	}
	var live []Live
	var errs []error
	for _, n := range names {
		id, ok := strings.CutSuffix(n.Name(), ".json")
		if !ok || !ValidID(id) {
			continue
		}
		e, err := d.Read(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := LookupProc(e.PID)
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, err) // cannot tell: keep the entry
			continue
		}
		if err != nil || !p.Matches(&e) || e.UID != d.uid {
			d.Remove(id)
			continue
		}
		live = append(live, Live{Entry: e, Proc: p})
	}
	sort.SliceStable(live, func(i, j int) bool { return live[i].Started.Before(live[j].Started) })
	return live, errs
}
