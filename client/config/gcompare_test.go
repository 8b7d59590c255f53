package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// gsshOutput is what `gssh -G` prints for a resolved Config: the -G
// lines on stdout, the warnings on stderr.
type gsshOutput struct {
	stdout, stderr string
	// serverAliveSet: the configuration set ServerAliveInterval, so
	// gssh's own default (a documented deviation) does not apply.
	serverAliveSet bool
}

// gsshG resolves req and prints it like -G.
func gsshG(req Request) (*gsshOutput, error) {
	c, err := Resolve(req)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := c.WriteG(&b); err != nil {
		return nil, err
	}
	return &gsshOutput{stdout: b.String(), stderr: strings.Join(c.Warnings, "\n"), serverAliveSet: c.ServerAliveIntervalSet}, nil
}

// diffG compares ssh -G's stdout and stderr (sshG's, without the tty
// notice) with gssh's: every line exactly, except the documented
// deviations of docs/config-keywords.md, and those only where the
// configuration left the key unset. "" when they agree.
func diffG(wantOut, wantErr string, got *gsshOutput) string {
	d := lineDiff(wantOut, withDeviations(wantOut, got))
	if wantErr = withoutDebug(wantErr); wantErr != got.stderr {
		d += "  stderr:\n   ssh:  " + quote(wantErr) + "\n   gssh: " + quote(got.stderr) + "\n"
	}
	return d
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, "\n", "\\n") + "\"" }

// withDeviations returns gssh's -G output with its one documented
// default (docs/config-keywords.md, "Deliberate deviations") replaced by
// ssh's value: when no line set ServerAliveInterval, gssh prints 15
// where ssh prints 0, or 300 for Debian's batch-mode default. A set key
// is compared as printed.
func withDeviations(want string, got *gsshOutput) string {
	if got.serverAliveSet {
		return got.stdout
	}
	const ours = "serveraliveinterval 15"
	w := strings.Split(want, "\n")
	var theirs string
	switch {
	case contains(w, "serveraliveinterval 0"):
		theirs = "serveraliveinterval 0"
	case contains(w, "serveraliveinterval 300") && contains(w, "batchmode yes"):
		theirs = "serveraliveinterval 300"
	default:
		return got.stdout
	}
	g := strings.Split(got.stdout, "\n")
	for i, l := range g {
		if l == ours {
			g[i] = theirs
		}
	}
	return strings.Join(g, "\n")
}

// withoutDebug drops ssh's debug messages from its stderr: gssh logs
// nothing below INFO while it resolves the configuration, a documented
// deviation (docs/config-keywords.md).
func withoutDebug(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "debug1: ") && !strings.HasPrefix(l, "debug2: ") && !strings.HasPrefix(l, "debug3: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// gsshStderr is what cmd/gssh's report prints for a configuration error
// (cmd/gssh/exit.go), with ssh's program name where ssh prefixes one and
// without the \r.
func gsshStderr(err error) string {
	var pe *ParseError
	var fe *FatalError
	var oe *OpenError
	switch {
	case errors.As(err, &pe):
		var l []string
		if pe.Detail != "" {
			l = append(l, pe.Detail)
		}
		l = append(l, pe.Error())
		if t := pe.Terminating(); t != "" {
			l = append(l, t)
		}
		return strings.Join(l, "\n")
	case errors.As(err, &fe):
		l := append([]string(nil), fe.Lines...)
		for i := range l {
			if fe.Prog {
				l[i] = "ssh: " + l[i]
			}
		}
		return strings.Join(l, "\n")
	case errors.As(err, &oe):
		return "Can't open user config file " + oe.Path + ": " + Strerror(oe.Err)
	}
	return "untyped error " + err.Error()
}

// TestDeviationOnlyWhenUnset pins the comparison itself: gssh's
// ServerAliveInterval default is read as ssh's only when no line set the
// key, so an explicit value that gssh got wrong would show.
func TestDeviationOnlyWhenUnset(t *testing.T) {
	want := "host h\nbatchmode yes\nserveraliveinterval 300\n"
	got := &gsshOutput{stdout: "host h\nbatchmode yes\nserveraliveinterval 15\n"}
	if d := diffG(want, "", got); d != "" {
		t.Errorf("unset key: %s", d)
	}
	got.serverAliveSet = true
	if d := diffG(want, "", got); d == "" {
		t.Error("a set ServerAliveInterval of 15 passed against ssh's 300")
	}
	if d := diffG("host h\nserveraliveinterval 0\n", "", &gsshOutput{stdout: "host h\nserveraliveinterval 30\n"}); d == "" {
		t.Error("an interval other than gssh's default passed")
	}
	if d := diffG("host h\n", "x line 1: Unsupported option \"a\"", &gsshOutput{stdout: "host h\n"}); d == "" {
		t.Error("a missing warning passed")
	}
}
