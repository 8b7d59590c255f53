package reexec

import (
	"io"
	"os"
	"testing"
)

// TestReport: what is logged before Relay is dropped (the parent printed
// it), what comes after reaches the parent behind the state line, and
// only the first Send is written; a nil Report does nothing.
func TestReport(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := &Report{pipe: w}
	io.WriteString(rep, "before\r\n")
	rep.Relay()
	io.WriteString(rep, "after\r\n")
	rep.Send(Failed, "last\r\n")
	rep.Send(Ready, "")
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "error\nafter\r\nlast\r\n"; string(got) != want {
		t.Errorf("report %q, want %q", got, want)
	}

	var none *Report
	none.Relay()
	none.Send(Ready, "")
	if none.TTY() != nil {
		t.Error("a nil Report has a terminal")
	}
}
