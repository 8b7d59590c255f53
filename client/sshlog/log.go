// Package sshlog writes gssh's diagnostics the way OpenSSH's log.c does:
// one line per message on stderr (or the -E file), ended in "\r\n",
// filtered by ssh_config's LogLevel and made safe for a terminal. Lines
// at DEBUG1, DEBUG2 and DEBUG3 carry log.c's "debug1: ", "debug2: " and
// "debug3: " prefixes; FATAL, ERROR, INFO and VERBOSE lines have none on
// stderr, as in do_log.
package sshlog

import (
	"fmt"
	"io"
	"sync"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/termsafe"
)

// Logger writes diagnostics to stderr the way ssh does. OpenSSH's log
// functions end every line on stderr in "\r\n", raw terminal or not, and
// callers compare stderr byte for byte, so Logger does too. Like ssh's
// do_log it makes every message safe for a terminal, whatever it quotes
// from the server (termsafe.LogLine). A nil *Logger discards everything.
type Logger struct {
	mu      sync.Mutex
	w       io.Writer
	stderr  io.Writer // where Print writes; w unless SetStderr was called
	level   config.LogLevel
	charset termsafe.Charset
}

// New returns a Logger writing messages at or below level to w.
func New(w io.Writer, level config.LogLevel) *Logger {
	return &Logger{w: w, level: level}
}

// Logf prints one line if level is enabled.
func (l *Logger) Logf(level config.LogLevel, format string, args ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level > l.level {
		return
	}
	io.WriteString(l.w, Line(level, fmt.Sprintf(format, args...))+"\r\n")
}

// Line is msg as log.c's do_log writes it at level on stderr, without the
// line end: the level's prefix ("debug1: ", ...) and the text made safe
// for a terminal. For lines printed before the Logger exists (those of
// the configuration files, whose level is the command line's).
func Line(level config.LogLevel, msg string) string {
	return termsafe.LogLine(prefix(level) + msg)
}

// prefix is do_log's "txt: " for the level, when logging to stderr.
func prefix(level config.LogLevel) string {
	switch {
	case level == config.LogDebug1:
		return "debug1: "
	case level == config.LogDebug2:
		return "debug2: "
	case level >= config.LogDebug3:
		return "debug3: "
	}
	return ""
}

// SetStderr sets where Print writes. ssh prints the server's userauth
// banner with fmprintf on stderr, not through its log functions, so the
// banner goes to the terminal even when -E sends the log to a file.
func (l *Logger) SetStderr(w io.Writer) {
	l.mu.Lock()
	l.stderr = w
	l.mu.Unlock()
}

// Print writes text without a line end, if level is enabled: for what
// ssh prints with fmprintf rather than its log functions (the server's
// userauth banner), rendered as fmprintf does in the user's locale. It
// writes to the stream SetStderr gave, stderr whatever -E says.
func (l *Logger) Print(level config.LogLevel, text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level > l.level {
		return
	}
	w := l.w
	if l.stderr != nil {
		w = l.stderr
	}
	io.WriteString(w, termsafe.Text(text, l.charset))
}

// SetCharset tells the Logger what the user's locale can display
// (termsafe.LocaleCharset); until then it assumes the C locale.
func (l *Logger) SetCharset(cs termsafe.Charset) {
	l.mu.Lock()
	l.charset = cs
	l.mu.Unlock()
}

// Text renders server-supplied text for the terminal in the Logger's
// charset, as ssh's asmprintf does for keyboard-interactive prompts.
func (l *Logger) Text(s string) string {
	if l == nil {
		return termsafe.Text(s, termsafe.ASCII)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return termsafe.Text(s, l.charset)
}

// Level reports the current level.
func (l *Logger) Level() config.LogLevel {
	if l == nil {
		return config.LogQuiet
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// SetLevel changes the level (the ~V and ~v escapes do this).
func (l *Logger) SetLevel(level config.LogLevel) {
	l.mu.Lock()
	l.level = level
	l.mu.Unlock()
}
