package client

import (
	"fmt"
	"io"
	"sync"
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
// callers compare stderr byte for byte, so Logger does too. A nil *Logger
// discards everything.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level Level
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
	fmt.Fprintf(l.w, format+"\r\n", args...)
}

// Print writes text verbatim, without a line end, if level is enabled:
// for what ssh prints with fprintf rather than its log functions (the
// server's userauth banner).
func (l *Logger) Print(level Level, text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level > l.level {
		return
	}
	io.WriteString(l.w, text)
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
