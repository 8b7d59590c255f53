package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// isFileDebugLine reports whether an ssh -v line is one of those Resolve
// records in Config.Debug: a file read, a Host block applied or skipped.
func isFileDebugLine(l string) bool {
	return strings.HasPrefix(l, "debug1: Reading configuration data ") ||
		strings.Contains(l, ": Applying options for ") ||
		strings.Contains(l, ": Skipping Host block because of negated match for ")
}

// TestDifferentialDebugLines runs the block cases through ssh -G with
// LogLevel DEBUG1 on the command line and compares ssh's lines about the
// files it read and the Host blocks it applied with Config.Debug, which
// cmd/gssh prints at -v: the same lines in the same order. A file's own
// LogLevel does not matter (ssh reads the files under the command
// line's), which the last case checks.
func TestDifferentialDebugLines(t *testing.T) {
	sshPath(t)
	cases := append(slices.Clone(blockCases),
		treeCase{name: "file loglevel quiet", host: "h", files: map[string]string{"cfg": "LogLevel QUIET\nHost h\n User u\n"}},
		treeCase{name: "negated host logged", host: "db2", files: map[string]string{"cfg": "Host db* !db2\n User a\nHost db2\n Port 2\n"}})
	var tests []subtest
	for _, tc := range cases {
		tests = append(tests, subtest{tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			cfg := filepath.Join(dir, "cfg")
			opts := []string{"LogLevel DEBUG1"}
			args := []string{"-G", "-F", cfg, "-o", "LogLevel=DEBUG1"}
			for _, o := range tc.opts {
				o = strings.ReplaceAll(o, "@DIR@", dir)
				if strings.HasPrefix(o, "LogLevel") {
					continue // the case is about the debug level
				}
				opts = append(opts, o)
				args = append(args, "-o", o)
			}
			_, stderr, status := sshG(t, append(args, tc.host)...)
			req := gsshRequest(tc.host, cfg, opts)
			if tc.etcHosts {
				req.LookupHost = etcHostsLookup
			}
			got, err := Resolve(req)
			if status != 0 || err != nil {
				return // failures are runTree's business
			}
			var want, mine []string
			for _, l := range strings.Split(strings.ReplaceAll(stderr, "\r", ""), "\n") {
				if isFileDebugLine(l) {
					want = append(want, l)
				}
			}
			if len(want) == 0 {
				t.Fatalf("ssh printed no debug line about its files:\n%s", stderr)
			}
			for _, d := range got.Debug {
				if d.Level == LogDebug1 {
					mine = append(mine, fmt.Sprintf("debug1: %s", d.Text))
				}
			}
			if !slices.Equal(mine, want) {
				t.Errorf("gssh:\n%s\nssh:\n%s", strings.Join(mine, "\n"), strings.Join(want, "\n"))
			}
		}})
	}
	runConcurrently(t, tests)
}
