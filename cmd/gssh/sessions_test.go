//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/faults"
	"github.com/gssh/gssh/internal/sshdtest"
)

// registryEnv is a per-test XDG_RUNTIME_DIR, so tests see only their own
// gssh processes.
func registryEnv(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{"XDG_RUNTIME_DIR=" + dir}
}

// listSessions runs gssh --sessions --json.
func listSessions(t *testing.T, env []string) []sessionRow {
	t.Helper()
	r := runClient(t, gsshBin, nil, env, "--sessions", "--json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("--sessions: exit %d stderr %q", r.code, r.stderr)
	}
	var rows []sessionRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("--sessions --json: %v\n%s", err, r.stdout)
	}
	return rows
}

// waitSessions polls --sessions until ok accepts the rows, or fails after
// limit. The registry is a directory of files: there is nothing to wait
// on but the files themselves.
func waitSessions(t *testing.T, env []string, limit time.Duration, what string, ok func([]sessionRow) bool) []sessionRow {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		rows := listSessions(t, env)
		if ok(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("--sessions never showed %s within %v: %+v", what, limit, rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func rowByPID(rows []sessionRow, pid int) *sessionRow {
	for i := range rows {
		if rows[i].PID == pid {
			return &rows[i]
		}
	}
	return nil
}

// TestSessionsHungAndEnd is issue 16's acceptance: three concurrent gssh
// (a session, a -N tunnel, a -W), listed with their roles and
// destinations; the session's sshd frozen with ServerAliveInterval 1 and
// a CountMax of 100 (so keepalive does not end it) shows hung within
// 3×interval + 1 s; gssh --end hung ends only it, with exit 255, its line,
// and the terminal as it was before gssh started; the others go on.
func TestSessionsHungAndEnd(t *testing.T) {
	env := registryEnv(t)
	frozen := sshdtest.Start(t, sshdtest.Options{})
	healthy := sshdtest.Start(t, sshdtest.Options{})
	alive := []string{"-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=100"}

	victim := startPtyCommand(t, 24, 80, env, gsshBin,
		append(append([]string{"-F", frozen.ClientConfig}, alive...), "-t", "sshd", "echo ready; exec sleep 600")...)
	tunnel := startPtyCommand(t, 24, 80, env, gsshBin, append(append([]string{"-F", healthy.ClientConfig}, alive...), "-N", "sshd")...)
	stdio := startPtyCommand(t, 24, 80, env, gsshBin,
		append(append([]string{"-F", healthy.ClientConfig}, alive...), "-W", healthy.Addr(), "sshd")...)
	victim.waitFor("ready", 20*time.Second)
	victim.waitRaw(5 * time.Second)
	stdio.waitFor("SSH-2.0-", 20*time.Second) // the sshd's banner, through -W

	want := map[int]string{victim.cmd.Process.Pid: "session", tunnel.cmd.Process.Pid: "tunnel", stdio.cmd.Process.Pid: "-W"}
	rows := waitSessions(t, env, 10*time.Second, "three connected gssh", func(rows []sessionRow) bool {
		n := 0
		for pid, role := range want {
			if r := rowByPID(rows, pid); r != nil && r.Role == role && r.ReplyAgeSeconds >= 0 {
				n++
			}
		}
		return len(rows) == 3 && n == 3
	})
	for _, r := range rows {
		if !strings.HasSuffix(r.Destination, "@sshd:"+strings.Split(map[bool]string{true: frozen.Addr(), false: healthy.Addr()}[r.PID == victim.cmd.Process.Pid], ":")[1]) {
			t.Errorf("%s (pid %d): destination %q", r.Role, r.PID, r.Destination)
		}
		if r.State == "hung" {
			t.Errorf("%s hung before any fault: %+v", r.Role, r)
		}
	}
	table := runClient(t, gsshBin, nil, env, "--sessions")
	t.Logf("gssh --sessions:\n%s", table.stdout)
	if lines := strings.Split(strings.TrimSpace(table.stdout), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("table:\n%s", table.stdout)
	}

	faults.FreezeSessions(t, frozen)
	froze := time.Now()
	rows = waitSessions(t, env, 10*time.Second, "the session hung", func(rows []sessionRow) bool {
		r := rowByPID(rows, victim.cmd.Process.Pid)
		return r != nil && r.State == "hung"
	})
	took := time.Since(froze)
	t.Logf("hung %v after the freeze (budget 3×1s + 1s)", took.Round(time.Millisecond))
	if took > 4*time.Second {
		t.Errorf("shown hung after %v, want within 4s", took)
	}
	for _, r := range rows {
		if r.PID != victim.cmd.Process.Pid && r.State == "hung" {
			t.Errorf("%s shown hung too: %+v", r.Role, r)
		}
	}

	end := runClient(t, gsshBin, nil, env, "--end", "hung")
	t.Logf("gssh --end hung: exit %d\n%s%s", end.code, end.stdout, end.stderr)
	victimID := rowByPID(rows, victim.cmd.Process.Pid).ID
	if end.code != 0 || !strings.HasPrefix(end.stdout, victimID+" ended ") || strings.Count(end.stdout, "\n") != 1 {
		t.Fatalf("--end hung: exit %d stdout %q stderr %q", end.code, end.stdout, end.stderr)
	}
	if code := victim.wait(5 * time.Second); code != 255 {
		t.Fatalf("ended session exited %d, want 255; terminal:\n%q", code, victim.screen())
	}
	// "\r\n" as ssh's log lines end, after the terminal is cooked again.
	if !strings.HasSuffix(victim.screen(), "Connection to 127.0.0.1 closed by gssh --end.\r\r\n") {
		t.Errorf("terminal shows %q", victim.screen())
	}
	victim.assertTermiosRestored()

	rows = listSessions(t, env)
	if len(rows) != 2 || rowByPID(rows, tunnel.cmd.Process.Pid) == nil || rowByPID(rows, stdio.cmd.Process.Pid) == nil {
		t.Fatalf("after --end: %+v", rows)
	}
	for _, p := range []*ptySession{tunnel, stdio} {
		select {
		case <-p.exited:
			t.Fatalf("%v ended too: %q", p.cmd.Args, p.screen())
		default:
		}
	}
}

// TestSessionsStoppedGsshIsHung: a gssh that is itself stopped is hung
// at once, and --end, which it cannot answer, ends it with SIGTERM (and
// SIGCONT) after 2 s; its terminal is put back.
func TestSessionsStoppedGsshIsHung(t *testing.T) {
	env := registryEnv(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	p := startPtyCommand(t, 24, 80, env, gsshBin, "-F", s.ClientConfig, "-t", "sshd", "echo ready; exec sleep 600")
	p.waitFor("ready", 20*time.Second)
	p.waitRaw(5 * time.Second)
	pid := p.cmd.Process.Pid
	waitSessions(t, env, 5*time.Second, "the session", func(rows []sessionRow) bool { return rowByPID(rows, pid) != nil })
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	rows := waitSessions(t, env, 2*time.Second, "it hung", func(rows []sessionRow) bool {
		r := rowByPID(rows, pid)
		return r != nil && r.State == "hung" && r.Stopped
	})
	start := time.Now()
	end := runClient(t, gsshBin, nil, env, "--end", rowByPID(rows, pid).ID)
	t.Logf("--end: %v exit %d %q %q", time.Since(start).Round(time.Millisecond), end.code, end.stdout, end.stderr)
	if end.code != 0 || !strings.Contains(end.stdout, " terminated ") {
		t.Fatalf("--end: exit %d stdout %q stderr %q", end.code, end.stdout, end.stderr)
	}
	if code := p.wait(5 * time.Second); code != 255 {
		t.Fatalf("exit %d, want 255", code)
	}
	p.assertTermiosRestored()
	if rows := listSessions(t, env); len(rows) != 0 {
		t.Fatalf("left in the registry: %+v", rows)
	}
}

// TestEndRefusesBadTargets: --end needs targets, and names only IDs or
// hung; an unknown ID is an error, no hung session is not.
func TestEndRefusesBadTargets(t *testing.T) {
	env := registryEnv(t)
	for _, c := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--end"}, 255, "", "--end needs session IDs or hung"},
		{[]string{"--end", "1234"}, 255, "", "is not a session ID"},
		{[]string{"--end", "0123abcd"}, 1, "", "no session 0123abcd"},
		{[]string{"--end", "hung"}, 0, "No hung sessions.\n", ""},
		{[]string{"--sessions", "x"}, 255, "", "--sessions takes no arguments"},
		{[]string{"--json"}, 255, "", "--json goes with --sessions"},
		{[]string{"--sessions"}, 0, "ID  PID", ""},
	} {
		r := runClient(t, gsshBin, nil, env, c.args...)
		if r.code != c.code || !strings.Contains(r.stdout, c.stdout) || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%q: exit %d stdout %q stderr %q; want %d, %q, %q", c.args, r.code, r.stdout, r.stderr, c.code, c.stdout, c.stderr)
		}
	}
}

// TestSessionsMasterAndPassenger: a background master (-M -fN) and a
// passenger through it are listed as master and passenger, the passenger
// with its master's reply time; --end on the passenger ends it alone,
// and --end on the master ends the master.
func TestSessionsMasterAndPassenger(t *testing.T) {
	env := registryEnv(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	sock := filepath.Join(muxDir(t), "ctl")
	master := runClient(t, gsshBin, nil, env, "-F", s.ClientConfig, "-o", "ServerAliveInterval=1", "-M", "-S", sock, "-fN", "sshd")
	if master.code != 0 {
		t.Fatalf("master: exit %d %q", master.code, master.stderr)
	}
	masterPID := checkMaster(t, gsshBin, s.ClientConfig, sock)
	stopMaster(t, gsshBin, s.ClientConfig, sock, masterPID)
	p := startPtyCommand(t, 24, 80, env, gsshBin, "-F", s.ClientConfig, "-S", sock, "-t", "sshd", "echo ready; exec sleep 600")
	p.waitFor("ready", 20*time.Second)
	rows := waitSessions(t, env, 5*time.Second, "master and passenger", func(rows []sessionRow) bool {
		m, q := rowByPID(rows, masterPID), rowByPID(rows, p.cmd.Process.Pid)
		return len(rows) == 2 && m != nil && m.Role == "master" && m.ReplyAgeSeconds >= 0 &&
			q != nil && q.Role == "passenger" && q.Via == m.ID && q.ReplyAgeSeconds >= 0
	})
	t.Logf("%+v", rows)
	end := runClient(t, gsshBin, nil, env, "--end", rowByPID(rows, p.cmd.Process.Pid).ID)
	if end.code != 0 || !strings.Contains(end.stdout, " ended (pid ") {
		t.Fatalf("--end passenger: exit %d %q %q", end.code, end.stdout, end.stderr)
	}
	if code := p.wait(5 * time.Second); code != 255 || !strings.Contains(p.screen(), "closed by gssh --end.") {
		t.Fatalf("passenger exit %d, terminal %q", code, p.screen())
	}
	p.assertTermiosRestored()
	if got := checkMaster(t, gsshBin, s.ClientConfig, sock); got != masterPID {
		t.Fatalf("master pid %d after the passenger ended, want %d", got, masterPID)
	}
	end = runClient(t, gsshBin, nil, env, "--end", rowByPID(rows, masterPID).ID)
	if end.code != 0 || !strings.Contains(end.stdout, " ended (pid ") {
		t.Fatalf("--end master: exit %d %q %q", end.code, end.stdout, end.stderr)
	}
	if rows := listSessions(t, env); len(rows) != 0 {
		t.Fatalf("left: %+v", rows)
	}
}
