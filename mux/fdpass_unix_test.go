//go:build unix

package mux

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns the two ends of a connected Unix stream socket, closed
// when the test ends.
func socketPair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "socketpair")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*net.UnixConn)
	}
	return conn(fds[0]), conn(fds[1])
}

// pipe returns an os.Pipe whose ends are closed when the test ends (a
// second Close is harmless).
func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// sameFile reports whether two descriptors refer to the same open file.
func sameFile(t *testing.T, a, b int) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Fstat(a, &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(b, &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// expectEOF reads r and fails unless it reports EOF within a second; an
// EOF on a pipe proves that no copy of its write end is left open.
func expectEOF(t *testing.T, r *os.File) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(time.Second))
	var b [16]byte
	if n, err := r.Read(b[:]); err != io.EOF {
		t.Fatalf("pipe read = %d, %v; want EOF (a descriptor leaked?)", n, err)
	}
}

func TestSendReceiveFD(t *testing.T) {
	a, b := socketPair(t)
	r, w := pipe(t)
	if err := SendFD(a, int(w.Fd())); err != nil {
		t.Fatal(err)
	}
	w.Close()
	fd, err := ReceiveFD(b)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd flags %#x, %v: want close-on-exec", flags, err)
	}
	got := os.NewFile(uintptr(fd), "received")
	if _, err := got.WriteString("through the socket"); err != nil {
		t.Fatal(err)
	}
	got.Close()
	data, err := io.ReadAll(r)
	if err != nil || string(data) != "through the socket" {
		t.Fatalf("pipe got %q, %v", data, err)
	}
}

// TestFramesAndFDsInterleave sends what an OpenSSH session client sends,
// a NEW_SESSION frame and three descriptors, followed by another frame,
// and checks that the reader takes each piece in turn with nothing lost.
func TestFramesAndFDsInterleave(t *testing.T) {
	a, b := socketPair(t)
	var files [3]*os.File
	for i := range files {
		_, files[i] = pipe(t)
	}
	req := &NewSession{RequestID: 1, EscapeChar: NoEscapeChar, Command: "true"}
	if err := WriteMessage(a, req); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := SendFD(a, int(f.Fd())); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteMessage(a, &AliveCheck{RequestID: 2}); err != nil {
		t.Fatal(err)
	}

	m, err := ReadMessage(b)
	if err != nil || !reflect.DeepEqual(m, req) {
		t.Fatalf("first frame %#v, %v", m, err)
	}
	for i, f := range files {
		fd, err := ReceiveFD(b)
		if err != nil {
			t.Fatalf("fd %d: %v", i, err)
		}
		if !sameFile(t, fd, int(f.Fd())) {
			t.Errorf("fd %d is a different file", i)
		}
		unix.Close(fd)
	}
	m, err = ReadMessage(b)
	if err != nil || !reflect.DeepEqual(m, &AliveCheck{RequestID: 2}) {
		t.Fatalf("last frame %#v, %v", m, err)
	}
}

func TestReceiveFDWithoutDescriptor(t *testing.T) {
	a, b := socketPair(t)
	a.Write([]byte{0})
	if fd, err := ReceiveFD(b); err == nil || fd != -1 {
		t.Fatalf("ReceiveFD of a plain byte = %d, %v", fd, err)
	}
}

// TestReceiveFDRejectsTwo sends two descriptors in one message, which no
// OpenSSH peer does, and checks that both are refused and none leaks.
func TestReceiveFDRejectsTwo(t *testing.T) {
	a, b := socketPair(t)
	r1, w1 := pipe(t)
	r2, w2 := pipe(t)
	if _, _, err := a.WriteMsgUnix([]byte{0}, unix.UnixRights(int(w1.Fd()), int(w2.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	w1.Close()
	w2.Close()
	if fd, err := ReceiveFD(b); err == nil || fd != -1 {
		t.Fatalf("ReceiveFD of two descriptors = %d, %v", fd, err)
	}
	expectEOF(t, r1)
	expectEOF(t, r2)
}

func TestReceiveFDAtEOF(t *testing.T) {
	a, b := socketPair(t)
	a.Close()
	if _, err := ReceiveFD(b); !errors.Is(err, io.EOF) {
		t.Fatalf("ReceiveFD after close = %v, want io.EOF", err)
	}
}

func TestSendFDBadDescriptor(t *testing.T) {
	a, _ := socketPair(t)
	if err := SendFD(a, 1<<20); err == nil {
		t.Fatal("SendFD of a closed descriptor succeeded")
	}
}

// TestPeerUID checks both ends of a listening socket, the way a master
// sees its clients, and a socketpair.
func TestPeerUID(t *testing.T) {
	a, b := socketPair(t)
	for _, c := range []*net.UnixConn{a, b} {
		if uid, err := PeerUID(c); err != nil || uid != os.Getuid() {
			t.Fatalf("PeerUID(socketpair) = %d, %v; want %d", uid, err, os.Getuid())
		}
	}

	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(shortTempDir(t), "s"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.DialUnix("unix", nil, l.Addr().(*net.UnixAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := l.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if uid, err := PeerUID(server); err != nil || uid != os.Getuid() {
		t.Fatalf("PeerUID(accepted) = %d, %v; want %d", uid, err, os.Getuid())
	}
	server.Close()
	if _, err := PeerUID(server); err == nil {
		t.Fatal("PeerUID of a closed conn succeeded")
	}
}

// shortTempDir returns a directory under /tmp whose socket paths stay
// well inside sun_path's 104–108 bytes (t.TempDir can be long on macOS).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "mux")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
