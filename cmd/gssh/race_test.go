//go:build linux

package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gssh/gssh/internal/sshdtest"
)

// TestBinaryRaceCheckedWithTests: the gssh the tests run carries the
// race detector exactly when the tests do, as its build settings record.
func TestBinaryRaceCheckedWithTests(t *testing.T) {
	out, err := exec.Command("go", "version", "-m", gsshBin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	if got := strings.Contains(string(out), "\tbuild\t-race=true\n"); got != sshdtest.RaceEnabled {
		t.Fatalf("gssh built with -race: %v, tests run with -race: %v\n%s", got, sshdtest.RaceEnabled, out)
	}
}

// TestRaceInGsshReachesTheTest: a gssh built with test hooks and told
// to race (GSSH_TEST_RACE) exits 66 and leaves a report naming the racy
// function, which CheckRaces would turn into this test's failure; the
// test takes the report itself so that only a real race fails it.
// Without -race the same run reports nothing and exits 0.
func TestRaceInGsshReachesTheTest(t *testing.T) {
	bin := buildWithTestHooks(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	if reports, err := sshdtest.TakeRaceReports(); err != nil || len(reports) > 0 {
		t.Fatalf("reports before the run: %v %v", reports, err)
	}
	cmd := exec.Command(bin, "-F", s.ClientConfig, "sshd", "echo ran")
	cmd.Env = append(cmd.Environ(), "GSSH_TEST_RACE=1")
	out, err := cmd.Output()
	code := cmd.ProcessState.ExitCode()
	reports, rerr := sshdtest.TakeRaceReports()
	if rerr != nil {
		t.Fatal(rerr)
	}
	if string(out) != "ran\n" {
		t.Fatalf("stdout %q (%v), want the command's output", out, err)
	}
	if !sshdtest.RaceEnabled {
		if code != 0 || len(reports) != 0 {
			t.Fatalf("without -race: exit %d, %d reports; want 0 and none", code, len(reports))
		}
		return
	}
	if code != 66 {
		t.Errorf("exit %d, want 66 (GORACE exitcode)", code)
	}
	found := false
	for _, r := range reports {
		if r.Pid == cmd.Process.Pid && strings.Contains(r.Text, "WARNING: DATA RACE") && strings.Contains(r.Text, "raceOnPurpose") {
			found = true
			continue
		}
		t.Errorf("race detector report from process %d:\n%s", r.Pid, r.Text)
	}
	if !found {
		t.Fatalf("no report of raceOnPurpose from gssh process %d", cmd.Process.Pid)
	}
}
