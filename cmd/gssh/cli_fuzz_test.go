package main

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseArgs feeds arbitrary command lines (arguments separated by NUL)
// to parseArgs: it must not panic, must fail only with the error types
// main knows (its own two, and a bad -o line or a refused name from
// config), and a success must have a usable result.
func FuzzParseArgs(f *testing.F) {
	seeds := []string{
		"host", "-gfN\x00-T\x00host", "-p1022\x00host", "-Ostop\x00host", "host\x00-p\x002345\x00cmd\x00-x",
		"--\x00host\x00cmd", "ssh://u@h:2222", "ssh://[::1]:22", "-oForwardX11 no\x00h", "-o\x00Port=22\x00-p\x0033\x00h",
		"-tt\x00h", "-vvv\x00h", "-L\x00[::1]:80:[fe80::1]:90\x00h", "-R\x00a\\:b:1\x00h", "-D\x00[x\x00h",
		"-J\x00u@j:1,ssh://k\x00h", "-w\x00any:3\x00h", "-Q\x00cipher", "--timeout\x00-3\x00h", "--timeout=1.5\x00h",
		"-i\x00~/x\x00h", "-l\x00--\x00h\x00-p\x005", "-e\x00^A\x00h", "-W\x00[::1]:22\x00h",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var args []string
		if line != "" {
			args = strings.Split(line, "\x00")
		}
		inv, err := parseArgs(args)
		if err != nil {
			var ue *usageError
			var fe *fatalError
			if !errors.As(err, &ue) && !errors.As(err, &fe) && !isConfigError(err) {
				t.Fatalf("parseArgs(%q): error %T %v", args, err, err)
			}
			return
		}
		if inv.Timeout < 0 || inv.KillAfter < 0 || inv.IdleTimeout < 0 || inv.Verbosity < 0 {
			t.Fatalf("parseArgs(%q): negative value in %+v", args, inv)
		}
		for _, o := range inv.Request.Options {
			if strings.TrimSpace(o) == "" && !slicesContain(args, o) {
				t.Fatalf("parseArgs(%q): empty option line made up", args)
			}
		}
	})
}

// slicesContain reports whether one of args, or one of its tails after
// an option letter, is s: -o lines are passed on as typed.
func slicesContain(args []string, s string) bool {
	for _, a := range args {
		if strings.HasSuffix(a, s) {
			return true
		}
	}
	return false
}
