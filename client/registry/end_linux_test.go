package registry

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/gssh/gssh/internal/testenv"
)

// TestEndKillsAndRestoresTerminal: a process that cannot answer the end
// request and ignores SIGTERM, with its terminal left raw, is killed, and
// End puts the terminal back as the entry saved it.
func TestEndKillsAndRestoresTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		testenv.SkipOrFail(t, "no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	before := stty(t, tty)
	saved := SaveTTY(int(tty.Fd()))
	if saved == nil {
		t.Fatal("SaveTTY: nil")
	}
	cmd := exec.Command("/bin/sh", "-c", `trap '' TERM; stty raw -echo; echo go; exec sleep 100`)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	line, err := bufio.NewReader(ptmx).ReadString('\n')
	if err != nil || !strings.Contains(line, "go") {
		t.Fatalf("child said %q, %v", line, err)
	}
	if stty(t, tty) == before {
		t.Fatal("terminal not raw")
	}

	d := testDir(t)
	p, err := LookupProc(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{V: Version, ID: "feedf00d", PID: cmd.Process.Pid, UID: os.Getuid(), ProcStart: p.Start, BootID: p.BootID,
		Role: RoleSession, Destination: "h", HostName: "h", Started: time.Now(), Updated: time.Now(), TTY: saved}
	if err := d.Write(e); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := d.End(context.Background(), &Live{Entry: e, Proc: p}, 300*time.Millisecond)
	t.Logf("End: %+v after %v", res, time.Since(start).Round(time.Millisecond))
	if res.How != EndedByKILL || !res.TTYRestored || res.RequestErr == nil {
		t.Fatalf("End: %+v", res)
	}
	if got := stty(t, tty); got != before {
		t.Fatalf("stty -g %s, want %s", got, before)
	}
	if _, err := os.Stat(d.file(e.ID)); !os.IsNotExist(err) {
		t.Fatalf("entry left: %v", err)
	}
}

// TestEndLeavesOtherProcessAlone: an entry whose pid now belongs to
// another process (wrong start time) is never signalled.
func TestEndLeavesOtherProcessAlone(t *testing.T) {
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	p, _ := LookupProc(cmd.Process.Pid)
	e := Entry{V: Version, ID: "feedf00d", PID: cmd.Process.Pid, UID: os.Getuid(), ProcStart: p.Start + 1, BootID: p.BootID,
		Role: RoleSession, Started: time.Now(), Updated: time.Now()}
	res := testDir(t).End(context.Background(), &Live{Entry: e}, 100*time.Millisecond)
	if res.How != AlreadyGone { // it is not the entry's process
		t.Fatalf("End: %+v", res)
	}
	select {
	case <-exited:
		t.Fatal("another process was signalled")
	case <-time.After(200 * time.Millisecond):
	}
}
