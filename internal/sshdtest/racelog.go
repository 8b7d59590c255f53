//go:build unix

package sshdtest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// raceLogBase names the race detector's report files: the runtime writes
// each process's reports to <dir>/gssh-race.<pid>. The name also tells
// the log directory WatchRaces set up from one the user chose.
const raceLogBase = "gssh-race"

// takenSuffix marks a report file already reported, so each race fails
// one test only.
const takenSuffix = ".taken"

// raceOptions are the GORACE settings WatchRaces adds: reports go to
// files rather than stderr (where tests compare every byte and a report
// would read as a mismatch, or be swallowed by a test that ignores
// stderr); a process that saw a race exits 66 whatever its own status;
// it does not stop at the first race, so that a master or passenger
// goes on and its test sees the whole run; and it exits when gssh does,
// without the runtime's default second of sleep first, which every test
// that times gssh's exit (--timeout, ControlPersist, keepalive) would
// count against gssh.
func raceOptions(dir string) string {
	return "log_path=" + filepath.Join(dir, raceLogBase) + " exitcode=66 halt_on_error=0 atexit_sleep_ms=0"
}

// WatchRaces makes every race-detector binary this process starts from
// now on (gssh from Build, the masters it daemonises, anything they
// start in turn) write its reports into a new directory, which it
// returns; the caller removes it. TestMain calls it once, before m.Run,
// and after m.Run fails the package on any report TakeRaceReports still
// finds. In between, Start checks for reports when each test ends
// (CheckRaces), so a race fails the test that ran the racing gssh.
//
// The setting travels in GORACE, in this process's environment: it is
// read by the race runtime of each child at start-up, and every test
// gives gssh the test's environment plus its own variables. This test
// binary's own runtime read GORACE before TestMain, so its own races
// still go to stderr as usual.
func WatchRaces() (string, error) {
	dir, err := os.MkdirTemp("", "gssh-races-")
	if err != nil {
		return "", err
	}
	// GORACE is split at blanks, so the path must have none.
	if strings.ContainsAny(dir, " \t\n") {
		os.Remove(dir)
		return "", fmt.Errorf("race log directory %q contains a blank, which GORACE cannot carry", dir)
	}
	// Tests also run gssh as TestUser; their reports must land here too.
	if err := os.Chmod(dir, os.ModeSticky|0o777); err != nil {
		os.Remove(dir)
		return "", err
	}
	opts := strings.TrimSpace(os.Getenv("GORACE") + " " + raceOptions(dir))
	if err := os.Setenv("GORACE", opts); err != nil {
		os.Remove(dir)
		return "", err
	}
	return dir, nil
}

// ReportUnclaimedRaces is TestMain's check after m.Run: it writes to w
// every report no test claimed (tests without a Start, masters that
// outlived their test) and says whether the package must fail for them.
func ReportUnclaimedRaces(w io.Writer) (failed bool) {
	reports, err := TakeRaceReports()
	if err != nil {
		fmt.Fprintln(w, "reading race detector reports:", err)
		return true
	}
	for _, r := range reports {
		fmt.Fprintf(w, "FAIL: race detector report from gssh process %d:\n%s\n", r.Pid, r.Text)
	}
	return len(reports) > 0
}

// watchedRaceDir is the directory WatchRaces put into GORACE, if it did.
// The last log_path wins, as in the race runtime.
func watchedRaceDir() (string, bool) {
	dir, ok := "", false
	for _, field := range strings.Fields(os.Getenv("GORACE")) {
		if path, found := strings.CutPrefix(field, "log_path="); found {
			dir, ok = filepath.Dir(path), filepath.Base(path) == raceLogBase
		}
	}
	return dir, ok
}

// RaceReport is what the race detector of one process wrote.
type RaceReport struct {
	Pid  int
	Text string
}

// TakeRaceReports returns the reports written since the last call into
// the directory WatchRaces set up, and marks them taken. Without
// WatchRaces it returns none.
func TakeRaceReports() ([]RaceReport, error) {
	dir, ok := watchedRaceDir()
	if !ok {
		return nil, nil
	}
	return takeRaceReports(dir)
}

// takeRaceReports reads every untaken report file in dir and renames it
// aside. A process still running keeps writing to the renamed file; its
// later races are not reported again, but the test its first one failed
// has failed already.
func takeRaceReports(dir string) ([]RaceReport, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var reports []RaceReport
	var errs []error
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), raceLogBase+".")
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(rest)
		if err != nil {
			continue // taken already, or not the runtime's
		}
		path := filepath.Join(dir, e.Name())
		text, err := os.ReadFile(path)
		if err == nil {
			err = os.Rename(path, path+takenSuffix)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// The runtime creates the file with its first report; an empty
		// one is still being written and counts all the same.
		reports = append(reports, RaceReport{Pid: pid, Text: string(text)})
	}
	return reports, errors.Join(errs...)
}

// CheckRaces fails t with every race report written since the last
// check (see WatchRaces). Start registers it to run when the test ends,
// after the test's own clean-up has stopped its masters.
func CheckRaces(t testing.TB) {
	t.Helper()
	reports, err := TakeRaceReports()
	if err != nil {
		t.Errorf("reading race detector reports: %v", err)
	}
	for _, r := range reports {
		t.Errorf("race detector report from process %d (a race-checked gssh):\n%s", r.Pid, r.Text)
	}
}
