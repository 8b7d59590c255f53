//go:build linux

package tty_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/internal/crash"
)

// localPTY is a pseudo-terminal standing in for the user's terminal.
type localPTY struct {
	fd int // the terminal side's descriptor
}

func openPTY(t *testing.T) *localPTY {
	t.Helper()
	master, term, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	p := &localPTY{fd: int(term.Fd())}
	// Keep draining: restoring the mode waits for output to drain.
	copied := make(chan struct{})
	crash.Go(func() { io.Copy(io.Discard, master); close(copied) })
	t.Cleanup(func() {
		term.Close()
		<-copied // the master reads EIO once the last tty fd is closed
		master.Close()
	})
	return p
}

func (p *localPTY) termios(t *testing.T) unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(p.fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return *tio
}

// TestTerminalRestoreOnPanic: a panicking goroutine restores the terminal
// before the panic continues.
func TestTerminalRestoreOnPanic(t *testing.T) {
	p := openPTY(t)
	term := tty.Open(p.fd)
	if term == nil {
		t.Fatal("pty not recognised as a terminal")
	}
	before := p.termios(t)
	var logged bytes.Buffer
	log := sshlog.New(&logged, config.LogInfo)
	if err := term.MakeRaw(); err != nil {
		t.Fatal(err)
	}
	log.Logf(config.LogInfo, "raw")
	recovered := func() (r any) {
		defer func() { r = recover() }()
		defer term.RestoreOnPanic()
		panic("boom")
	}()
	if recovered != "boom" {
		t.Fatalf("panic value %v not passed on", recovered)
	}
	log.Logf(config.LogInfo, "cooked")
	if after := p.termios(t); after != before {
		t.Fatalf("termios not restored after panic")
	}
	if err := term.Restore(); err != nil { // idempotent
		t.Fatal(err)
	}
	if logged.String() != "raw\r\ncooked\r\n" {
		t.Fatalf("log %q", logged.String())
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if tty.Open(int(r.Fd())) != nil {
		t.Fatal("tty.Open accepted a pipe")
	}
}
