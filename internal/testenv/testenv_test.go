package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test to see which way SkipOrFail ends it; the
// real t.Skip and t.Fatal would end this test too.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func (r *recorder) Skip(args ...any) { r.skip = fmt.Sprint(args...) }

func TestSkipOrFailFailsUnderCI(t *testing.T) {
	for _, tc := range []struct {
		ci                 string
		wantFail, wantSkip bool
	}{
		{"true", true, false},
		{"", false, true},
		{"false", false, true},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		SkipOrFail(r, "no %s here", "frobnicator")
		if (r.fatal != "") != tc.wantFail || (r.skip != "") != tc.wantSkip {
			t.Errorf("CI=%q: fatal %q, skip %q; want fail %v, skip %v", tc.ci, r.fatal, r.skip, tc.wantFail, tc.wantSkip)
		}
		if got := r.fatal + r.skip; got == "" || !strings.Contains(got, "no frobnicator here") {
			t.Errorf("CI=%q: message %q lacks the reason", tc.ci, got)
		}
	}
}

func TestLookPath(t *testing.T) {
	t.Setenv("CI", "true")
	if p := LookPath(t, "sh"); p == "" {
		t.Fatal("LookPath(sh) is empty")
	}
	r := &recorder{TB: t}
	LookPath(r, "gssh-testenv-no-such-program")
	if r.fatal == "" {
		t.Error("a missing program under CI=true did not fail the test")
	}
}
