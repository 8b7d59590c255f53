//go:build unix

package sshdtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTakeRaceReports: each report file is returned once, with its
// process id; files the runtime did not write are left alone.
func TestTakeRaceReports(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		raceLogBase + ".123":               "WARNING: DATA RACE\none\n",
		raceLogBase + ".456":               "",
		raceLogBase + ".789" + takenSuffix: "old\n",
		"other.1":                          "x",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := takeRaceReports(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, r := range reports {
		got[r.Pid] = r.Text
	}
	if len(got) != 2 || got[123] != "WARNING: DATA RACE\none\n" || got[456] != "" {
		t.Fatalf("reports %+v, want pids 123 and 456 (an empty file counts)", reports)
	}
	if again, err := takeRaceReports(dir); err != nil || len(again) != 0 {
		t.Fatalf("second take: %+v %v, want none", again, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.1")); err != nil {
		t.Fatalf("a file the runtime did not write was moved: %v", err)
	}
}

// racyProgram races on a counter between main and one goroutine.
const racyProgram = `package main

func main() {
	n := 0
	done := make(chan bool)
	go func() { n++; done <- true }()
	n++
	<-done
}
`

// TestRaceOptionsCatchARace: a race-detector binary run with the GORACE
// settings WatchRaces gives exits 66, writes nothing to stderr and
// leaves its report where takeRaceReports finds it.
func TestRaceOptionsCatchARace(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "racy.go")
	if err := os.WriteFile(src, []byte(racyProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "racy")
	build := exec.Command("go", "build", "-race", "-o", bin, src)
	build.Env = append(os.Environ(), "CGO_ENABLED=1", "GO111MODULE=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -race: %v\n%s", err, out)
	}
	logs := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GORACE="+raceOptions(logs))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 66 || stderr.Len() != 0 {
		t.Fatalf("racy program: exit %d (%v), stderr %q; want 66 and nothing", code, err, stderr.String())
	}
	reports, err := takeRaceReports(logs)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || reports[0].Pid != cmd.Process.Pid || !strings.Contains(reports[0].Text, "WARNING: DATA RACE") {
		t.Fatalf("reports %+v, want one DATA RACE from pid %d", reports, cmd.Process.Pid)
	}
}

// TestWatchRacesSetsGORACE: WatchRaces keeps the user's GORACE options,
// adds its own after them (the runtime takes the last), and
// watchedRaceDir finds its directory there and only there.
func TestWatchRacesSetsGORACE(t *testing.T) {
	t.Setenv("GORACE", "log_path=/elsewhere/mine history_size=3")
	if _, ok := watchedRaceDir(); ok {
		t.Fatal("a log_path the user chose was taken for WatchRaces'")
	}
	dir, err := WatchRaces()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if got, want := os.Getenv("GORACE"), "log_path=/elsewhere/mine history_size=3 "+raceOptions(dir); got != want {
		t.Fatalf("GORACE %q, want %q", got, want)
	}
	if got, ok := watchedRaceDir(); !ok || got != dir {
		t.Fatalf("watched dir %q %v, want %q", got, ok, dir)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o777 || fi.Mode()&os.ModeSticky == 0 {
		t.Fatalf("race log dir: %v %v, want drwxrwxrwt so TestUser's gssh can write", fi.Mode(), err)
	}
}
