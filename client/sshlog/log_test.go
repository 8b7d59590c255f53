package sshlog

import (
	"bytes"
	"testing"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/termsafe"
)

// TestLoggerMakesServerTextSafe: every message goes through do_log's
// strnvis, and Print (the banner) through fmprintf in the Logger's
// charset; both used to write the text as it came.
func TestLoggerMakesServerTextSafe(t *testing.T) {
	var out bytes.Buffer
	log := New(&out, config.LogInfo)
	log.Logf(config.LogInfo, "WARNING: Server requests forwarding for unknown path %s", "/x\x1b]0;t\x07\xc3\xa9\\")
	if want := "WARNING: Server requests forwarding for unknown path /x\\033]0;t\a\\303\\251\\\\\r\n"; out.String() != want {
		t.Errorf("Logf wrote %q, want %q", out.String(), want)
	}
	for _, tc := range []struct {
		cs   termsafe.Charset
		want string
	}{
		{termsafe.ASCII, `\033[2J\007\303\251\`},
		{termsafe.UTF8, "\\033[2J\\007\xc3\xa9\\"},
	} {
		out.Reset()
		log.SetCharset(tc.cs)
		log.Print(config.LogInfo, "\x1b[2J\a\xc3\xa9\\")
		if out.String() != tc.want {
			t.Errorf("Print in %v wrote %q, want %q", tc.cs, out.String(), tc.want)
		}
		if got := log.Text("\x1b[2J\a\xc3\xa9\\"); got != tc.want {
			t.Errorf("Text in %v = %q, want %q", tc.cs, got, tc.want)
		}
	}
	out.Reset()
	New(&out, config.LogQuiet).Print(config.LogInfo, "banner")
	if out.Len() != 0 {
		t.Errorf("-q printed the banner: %q", out.String())
	}
}
