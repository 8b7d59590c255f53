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

// Logger writes diagnostics to stderr the way ssh does. While the local
// terminal is in raw mode lines must end in "\r\n", so the session code
// flips CRLF on and off. A nil *Logger discards everything.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level Level
	crlf  bool
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
	end := "\n"
	if l.crlf {
		end = "\r\n"
	}
	fmt.Fprintf(l.w, format+end, args...)
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

// SetCRLF makes lines end in "\r\n" (raw terminal) or "\n".
func (l *Logger) SetCRLF(on bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.crlf = on
	l.mu.Unlock()
}
