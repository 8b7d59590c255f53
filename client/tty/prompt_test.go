//go:build unix

package tty

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/internal/testenv"
)

// rw is a non-terminal ReadWriter: input from r, output to w.
type rw struct {
	io.Reader
	io.Writer
}

func TestPromptOnNonTerminalReadsOneLine(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("first\r\nsecond\n")
	conn := rw{in, &out}
	got, err := promptOn(conn, -1, "Q? ", true)
	if err != nil || got != "first" {
		t.Fatalf("got %q %v", got, err)
	}
	// Unbuffered: the next line is still there for the next prompt.
	if got, _ := promptOn(conn, -1, "Q? ", false); got != "second" {
		t.Errorf("second read %q", got)
	}
	if out.String() != "\rQ? \rQ? " {
		t.Errorf("output %q", out.String())
	}
	if _, err := promptOn(rw{strings.NewReader(""), io.Discard}, -1, "Q? ", true); err == nil {
		t.Error("no error at EOF")
	}
}

func TestPromptPasswordOnTerminalHasNoEchoAndRestores(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		testenv.SkipOrFail(t, "no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	before, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := promptOn(tty, int(tty.Fd()), "Password: ", false)
		done <- result{s, err}
	}()
	// Type only once echo is off, as a user would after seeing the prompt;
	// the line discipline would echo anything typed earlier itself.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
		if err != nil {
			t.Fatal(err)
		}
		if st.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("echo never turned off")
		}
		runtime.Gosched()
	}
	if _, err := ptmx.Write([]byte("s3cret\n")); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.s != "s3cret" {
		t.Fatalf("got %q %v", r.s, r.err)
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), ioctlGetTermios)
	if err != nil || after.Lflag != before.Lflag {
		t.Errorf("terminal mode not restored: %v %#x -> %#x", err, before.Lflag, after.Lflag)
	}
	tty.Close() // lets the master read hit EOF after the output
	shown, _ := io.ReadAll(ptmx)
	if bytes.Contains(shown, []byte("s3cret")) {
		t.Errorf("password echoed: %q", shown)
	}
	if !bytes.HasPrefix(shown, []byte("\rPassword: ")) {
		t.Errorf("terminal shows %q", shown)
	}
}

func TestTTYPrompterWithoutTerminal(t *testing.T) {
	p := ttyPrompter{path: t.TempDir() + "/no-tty"}
	if _, err := p.ReadPassword("x: "); !errors.Is(err, ErrNoTTY) {
		t.Errorf("got %v, want ErrNoTTY", err)
	}
}
