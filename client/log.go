package client

import (
	"fmt"
	"io"
	"sync"

	"github.com/gssh/gssh/client/termsafe"
)

// Level is an OpenSSH LogLevel, from QUIET to DEBUG3.
type Level int

// Log levels in OpenSSH's order.
const (
	LevelQuiet Level = iota
	LevelFatal
	LevelError
	LevelInfo
	LevelVerbose
	LevelDebug1
	LevelDebug2
	LevelDebug3
)

// Logger writes diagnostics to stderr the way ssh does. OpenSSH's log
// functions end every line on stderr in "\r\n", raw terminal or not, and
// callers compare stderr byte for byte, so Logger does too. Like ssh's
// do_log it makes every message safe for a terminal, whatever it quotes
// from the server (termsafe.LogLine). A nil *Logger discards everything.
type Logger struct {
	mu      sync.Mutex
	w       io.Writer
	level   Level
	charset termsafe.Charset
}

// NewLogger returns a Logger writing messages at or below level to w.
func NewLogger(w io.Writer, level Level) *Logger {
	return &Logger{w: w, level: level}
}

// Logf prints one line if level is enabled.
func (l *Logger) Logf(level Level, format string, args ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level > l.level {
		return
	}
	io.WriteString(l.w, termsafe.LogLine(fmt.Sprintf(format, args...))+"\r\n")
}

// Print writes text without a line end, if level is enabled: for what
// ssh prints with fmprintf rather than its log functions (the server's
// userauth banner), rendered as fmprintf does in the user's locale.
func (l *Logger) Print(level Level, text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level > l.level {
		return
	}
	io.WriteString(l.w, termsafe.Text(text, l.charset))
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
func (l *Logger) Level() Level {
	if l == nil {
		return LevelQuiet
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// SetLevel changes the level (the ~V and ~v escapes do this).
func (l *Logger) SetLevel(level Level) {
	l.mu.Lock()
	l.level = level
	l.mu.Unlock()
}
