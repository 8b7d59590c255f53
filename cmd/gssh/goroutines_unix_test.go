//go:build unix

package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestGoroutineDumpOnSIGUSR2: with GSSH_GOROUTINE_DUMP set, SIGUSR2 makes
// gssh write its goroutines to the file, again on each signal, and gssh
// goes on running; the soak test (internal/soak) reads a master's
// goroutines this way. The gssh here waits for the banner of a server
// that never sends one.
func TestGoroutineDumpOnSIGUSR2(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	dump := filepath.Join(t.TempDir(), "goroutines.txt")
	cmd := exec.Command(gsshBin, "-F", "/dev/null", "-o", "BatchMode=yes", "-p", port, "127.0.0.1", "true")
	cmd.Env = append(os.Environ(), goroutineDumpEnv+"="+dump)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	l.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	conn, err := l.Accept()
	if err != nil {
		t.Fatalf("gssh did not connect: %v", err)
	}
	defer conn.Close()

	for round := range 2 {
		os.Remove(dump)
		if err := cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			t.Fatal(err)
		}
		var data []byte
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if data, err = os.ReadFile(dump); err == nil {
				break
			}
			if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
				t.Fatalf("round %d: no dump: %v", round, err)
			}
		}
		if !bytes.HasPrefix(data, []byte("goroutine profile: total ")) || !bytes.Contains(data, []byte("main.run")) {
			t.Fatalf("round %d: not a goroutine profile of gssh:\n%s", round, data)
		}
		select {
		case <-exited:
			t.Fatalf("round %d: gssh exited after SIGUSR2: %v", round, cmd.ProcessState)
		default:
		}
	}
	if matches, _ := filepath.Glob(dump + ".*"); len(matches) > 0 {
		t.Fatalf("temporary files left: %q", matches)
	}
}
