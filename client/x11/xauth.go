package x11

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// timeoutSlack is how much longer an untrusted cookie lives than ssh
// forwards connections for it (X11_TIMEOUT_SLACK), so that the X server
// never falls back to an unexpired-but-unused cookie's defaults.
const timeoutSlack = 60 * time.Second

// xauthBound caps each xauth run: "generate" talks to the X server, and a
// display that does not answer must not hold the session up for ever.
const xauthBound = 30 * time.Second

// ProtoOptions are the settings client_x11_get_proto reads.
type ProtoOptions struct {
	// Display is DISPLAY, already checked with CheckDisplay.
	Display string
	// XAuth is XAuthLocation; a path that does not exist means no xauth.
	XAuth string
	// Trusted is ForwardX11Trusted.
	Trusted bool
	// Timeout is ForwardX11Timeout; 0 means untrusted cookies never
	// expire and connections are never refused.
	Timeout time.Duration
	// Environ is the environment xauth runs in (XAUTHORITY, HOME).
	Environ []string
}

// cookie is what xauth gave for the display: the protocol name and the
// hex data, as "xauth list" prints them.
type cookie struct {
	proto, data string
}

// getProto is client_x11_get_proto: the real cookie of the display from
// xauth, or random data when a trusted forwarding has none. untrusted is
// called before an untrusted cookie is generated, when its timeout starts.
// ok is false when X11 is not to be requested (the reason is logged).
func getProto(ctx context.Context, o ProtoOptions, untrusted func(), log *sshlog.Logger) (c cookie, ok bool) {
	xauth := o.XAuth
	if xauth != "" {
		if _, err := os.Stat(xauth); err != nil {
			log.Logf(config.LogDebug1, "No xauth program.")
			xauth = ""
		}
	}
	got, generated := false, false
	if xauth != "" {
		display := o.Display
		// The FamilyLocal entry of a local display is listed as unix:N.
		if rest, ok := strings.CutPrefix(display, "localhost:"); ok {
			display = "unix:" + rest
		}
		var file string
		if !o.Trusted {
			dir, err := os.MkdirTemp("", "ssh-") // mode 0700, as mkdtemp
			if err != nil {
				log.Logf(config.LogError, "client_x11_get_proto: mkdtemp: %s", config.Strerror(err))
				return cookie{}, false
			}
			defer os.RemoveAll(dir)
			file = filepath.Join(dir, "xauthfile")
			args := generateArgs(file, display, o.Timeout)
			log.Logf(config.LogDebug2, "client_x11_get_proto: xauth command: %s %s", xauth, strings.Join(args, " "))
			if o.Timeout != 0 && untrusted != nil {
				untrusted()
			}
			if _, err := runXAuth(ctx, xauth, args, o.Environ); err == nil {
				generated = true
			}
		}
		if o.Trusted || generated {
			args := listArgs(file, display)
			log.Logf(config.LogDebug2, "x11_get_proto: %s %s", xauth, strings.Join(args, " "))
			// ssh reads popen's first line whatever xauth's status.
			out, _ := runXAuth(ctx, xauth, args, o.Environ)
			c, got = parseList(out)
		}
	}
	if !o.Trusted && !got {
		log.Logf(config.LogError, "Warning: untrusted X11 forwarding setup failed: xauth key data not generated")
		return cookie{}, false
	}
	if !got {
		log.Logf(config.LogInfo, "Warning: No xauth data; using fake authentication data for X11 forwarding.")
		return cookie{proto: Proto, data: hex.EncodeToString(random(16))}, true
	}
	return c, true
}

// generateArgs is "xauth -f FILE generate DISPLAY MIT-MAGIC-COOKIE-1
// untrusted [timeout SECONDS]": the cookie outlives ssh's willingness to
// forward by a minute.
func generateArgs(file, display string, timeout time.Duration) []string {
	args := []string{"-f", file, "generate", display, Proto, "untrusted"}
	if timeout != 0 {
		secs := uint64((timeout + timeoutSlack) / time.Second)
		if secs > 1<<32-1 {
			secs = 1<<32 - 1
		}
		args = append(args, "timeout", strconv.FormatUint(secs, 10))
	}
	return args
}

// listArgs is "xauth [-f FILE] list DISPLAY".
func listArgs(file, display string) []string {
	if file != "" {
		return []string{"-f", file, "list", display}
	}
	return []string{"list", display}
}

// parseList reads the first line of "xauth list": DISPLAY PROTO HEXDATA
// (sscanf's "%*s %511s %511s").
func parseList(out []byte) (cookie, bool) {
	line, _, _ := bytes.Cut(out, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 3 || len(f[1]) > 511 || len(f[2]) > 511 {
		return cookie{}, false
	}
	return cookie{proto: f[1], data: f[2]}, true
}

// runXAuth runs xauth directly, without a shell, its stderr discarded as
// ssh's "2>/dev/null" does, and returns its standard output.
func runXAuth(ctx context.Context, xauth string, args, environ []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, xauthBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, xauth, args...)
	cmd.Env = environ
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: 64 << 10}
	err := cmd.Run()
	return out.Bytes(), err
}

// limitedWriter keeps the first n bytes and discards the rest, so that a
// runaway xauth cannot fill memory.
type limitedWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n-l.w.Len())
	if keep > 0 {
		l.w.Write(p[:keep])
	}
	return len(p), nil
}

// decodeHex is sscanf("%2x") over the data xauth printed: pairs of hex
// digits, an odd last digit ignored as ssh's data_len = len/2 ignores it.
func decodeHex(s string) ([]byte, bool) {
	b, err := hex.DecodeString(s[:len(s)&^1])
	return b, err == nil
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
