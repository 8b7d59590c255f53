package client

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/escape"
)

// escapeRig is an escape handler on a Control without a network: what it
// prints, logs and sends is recorded.
type escapeRig struct {
	stderr, log bytes.Buffer
	ctl         *Control
	filter      InputFilter
}

func newEscapeRig(t *testing.T, ctx context.Context, opts EscapeOptions) *escapeRig {
	t.Helper()
	r := &escapeRig{}
	r.ctl = &Control{
		conn:   &Conn{Config: &config.Config{HostName: "h.example", Port: 2222}},
		pty:    true,
		stderr: &r.stderr,
		log:    sshlog.New(&r.log, config.LogInfo),
		ctx:    ctx,
	}
	r.filter = EscapeFilter(opts)(r.ctl)
	if r.filter == nil {
		t.Fatal("no filter for a pty session")
	}
	return r
}

// feed types each piece separately and returns everything sent.
func (r *escapeRig) feed(t *testing.T, pieces ...string) string {
	t.Helper()
	var sent []byte
	for _, p := range pieces {
		out, err := r.filter([]byte(p))
		if err != nil {
			t.Fatalf("filter(%q): %v", p, err)
		}
		sent = append(sent, out...)
	}
	return string(sent)
}

func TestEscapeFilterActiveOnlyWithPTY(t *testing.T) {
	if EscapeFilter(EscapeOptions{Char: '~'})(&Control{pty: false}) != nil {
		t.Fatal("escapes active without a pty")
	}
	if EscapeFilter(EscapeOptions{Char: escape.None})(&Control{pty: true}) != nil {
		t.Fatal("escapes active with EscapeChar none")
	}
}

func TestEscapeAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, typed, sent, stderr string
	}{
		{"help", "ab\r~?cd", "ab\rcd", escape.HelpText('~', escape.HelpOptions{})},
		{"commandline disabled", "~C", "", "commandline disabled\r\n"},
		{"rekey", "~R", "", "~R [rekeying on request is not supported by gssh]\r\n"},
		{"background", "~&", "", "~& [backgrounding is not supported by gssh]\r\n"},
		{"channels", "~#", "", "~#\r\nThe following connections are open:\r\n" +
			"  #0 client-session (t4 [session] i0/0 o0/0 e[write]/0 fd 0/1/2)\r\n"},
		{"mid-line is data", "a~?", "a~?", ""},
		{"tilde tilde", "~~", "~", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~'})
			// Byte by byte, as a person types.
			var pieces []string
			for _, c := range []byte(tc.typed) {
				pieces = append(pieces, string(c))
			}
			if sent := r.feed(t, pieces...); sent != tc.sent {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
			if r.stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", r.stderr.String(), tc.stderr)
			}
		})
	}
}

func TestEscapeLogLevel(t *testing.T) {
	r := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~'})
	r.feed(t, "~V~V~V~V~v~v~v~v~v~v~v~v")
	want := "~V [LogLevel ERROR]\r\n~V [LogLevel FATAL]\r\n~V [LogLevel QUIET]\r\n~V [LogLevel QUIET]\r\n" +
		"~v [LogLevel FATAL]\r\n~v [LogLevel ERROR]\r\n~v [LogLevel INFO]\r\n~v [LogLevel VERBOSE]\r\n" +
		"~v [LogLevel DEBUG1]\r\n~v [LogLevel DEBUG2]\r\n~v [LogLevel DEBUG3]\r\n~v [LogLevel DEBUG3]\r\n"
	if r.stderr.String() != want {
		t.Fatalf("stderr %q", r.stderr.String())
	}
	if r.ctl.log.Level() != config.LogDebug3 {
		t.Fatalf("level %v", r.ctl.log.Level())
	}

	f := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~', LogToFile: true})
	f.feed(t, "~v")
	if f.stderr.String() != "~v [Logging to syslog]\r\n" || f.ctl.log.Level() != config.LogInfo {
		t.Fatalf("with -E: %q, level %v", f.stderr.String(), f.ctl.log.Level())
	}
}

// TestEscapeCommandLine types ssh> lines (the terminal would deliver each
// line at once; here without a terminal the line ends at \r or \n).
func TestEscapeCommandLine(t *testing.T) {
	help := "Commands:\r\n" +
		"      -L[bind_address:]port:host:hostport    Request local forward\r\n" +
		"      -R[bind_address:]port:host:hostport    Request remote forward\r\n" +
		"      -D[bind_address:]port                  Request dynamic forward\r\n" +
		"      -KL[bind_address:]port                 Cancel local forward\r\n" +
		"      -KR[bind_address:]port                 Cancel remote forward\r\n" +
		"      -KD[bind_address:]port                 Cancel dynamic forward\r\n"
	for _, tc := range []struct {
		name  string
		typed []string
		sent  string
		log   string
	}{
		{"help", []string{"~Chelp\nls\r"}, "ls\r", help},
		{"dash h", []string{"~C -h\n"}, "", help},
		{"question", []string{"~C?\r"}, "", help},
		{"empty", []string{"~C\n"}, "", ""},
		{"invalid", []string{"~Cfoo\n"}, "", "Invalid command.\r\n"},
		{"local without a connection", []string{"~C-L 8080:localhost:80\n"}, "", "Port forwarding failed.\r\n"},
		{"cancel dynamic unknown", []string{"~C-KD1080\n"}, "", "Unknown port forwarding.\r\n"},
		{"bad local", []string{"~C-L 8080\n"}, "", "Bad local forwarding specification.\r\n"},
		{"bad dynamic", []string{"~C-D a:b:c\n"}, "", "Bad local forwarding specification.\r\n"},
		{"bad remote", []string{"~C-R x\n"}, "", "Bad remote forwarding specification.\r\n"},
		{"bad cancel", []string{"~C-KL 1:h:2\n"}, "", "Bad forwarding close specification.\r\n"},
		{"no dash", []string{"~CL 1:h:2\n"}, "", "Port forwarding failed.\r\n"},
		{"bare K", []string{"~CK\n"}, "", "Invalid command.\r\n"},
		{"interrupt discards", []string{"~Cfoo\x03help\n"}, "", help},
		{"split across reads", []string{"~C-", "R 1:h:2", "\nx", "x"}, "xx", "Port forwarding failed.\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~', CommandLine: true})
			if sent := r.feed(t, tc.typed...); sent != tc.sent {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
			if r.stderr.String() != "\r\nssh> " {
				t.Errorf("stderr %q", r.stderr.String())
			}
			if r.log.String() != tc.log {
				t.Errorf("log %q, want %q", r.log.String(), tc.log)
			}
		})
	}
}

func TestEscapeInfo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r := newEscapeRig(t, ctx, EscapeOptions{Char: '~'})
	r.feed(t, "~I")
	out := r.stderr.String()
	for _, want := range []string{
		"~I\r\nConnection information:\r\n",
		"  host:          h.example port 2222\r\n",
		"  keepalive:     off (ServerAliveInterval 0)\r\n",
		"  time left:     1m30s (--timeout)\r\n",
		"  multiplexing:  none\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("~I output lacks %q:\n%s", want, out)
		}
	}

	plain := newEscapeRig(t, context.Background(), EscapeOptions{Char: '~'})
	plain.feed(t, "~I")
	if !strings.Contains(plain.stderr.String(), "  time left:     no --timeout\r\n") {
		t.Errorf("without --timeout:\n%s", plain.stderr.String())
	}
}
