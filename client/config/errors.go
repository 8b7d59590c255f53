package config

import (
	"fmt"
	"strings"
)

// ParseError reports a problem with one configuration line. Its message
// follows OpenSSH's wording so users see the text they know from ssh(1).
type ParseError struct {
	// File is the configuration file, or "command-line" for -o options.
	File string
	// Line is the 1-based line number; 0 for command-line options.
	Line int
	// Msg is the message without the location prefix.
	Msg string
	// Detail is the message OpenSSH prints without a location just
	// before Msg, e.g. "Missing Match criteria for host"; often empty.
	Detail string
	// Bad is how many bad lines File had in total: OpenSSH reports every
	// one of them and then gives up on the file.
	Bad int
	// Err is the cause when there is one to branch on, such as the
	// *NameError behind a command-line ProxyJump that ssh refuses.
	Err error

	// colon selects OpenSSH's "FILE: line N:" spelling, which it uses only
	// for unknown keywords, instead of "FILE line N:".
	colon bool
	// bare messages carry no location, as OpenSSH prints them.
	bare bool
	// fatal marks a line OpenSSH rejects with fatal(): it prints no
	// "terminating" line.
	fatal bool
}

// Error returns the first bad line in OpenSSH's format, e.g.
// "/path/cfg line 3: Bad port 'abc'.".
func (e *ParseError) Error() string {
	if e.bare {
		return e.Msg
	}
	if e.colon {
		return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the cause, if any.
func (e *ParseError) Unwrap() error { return e.Err }

// Terminating returns the line OpenSSH prints after the bad lines of a
// file ("FILE: terminating, N bad configuration options"), or "" for
// command-line options, where ssh exits after the first bad one.
func (e *ParseError) Terminating() string {
	if e.File == cmdlineFile || e.fatal {
		return ""
	}
	return fmt.Sprintf("%s: terminating, %d bad configuration options", e.File, e.Bad)
}

// lineError is a bad line found while processing; the reader turns it
// into a ParseError once it knows the whole file's count.
type lineError struct {
	cause  error
	msg    string
	colon  bool
	bare   bool
	detail string
	fatal  bool
}

func (e *lineError) Error() string { return e.msg }

func lineErr(format string, args ...any) *lineError {
	return &lineError{msg: fmt.Sprintf(format, args...)}
}

// OpenError reports that the file named with -F cannot be read; ssh
// refuses to go on without it.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return "config: Can't open user config file " + e.Path + ": " + e.Err.Error()
}

func (e *OpenError) Unwrap() error { return e.Err }

// FatalError is a condition on which OpenSSH gives up with fatal() while
// it resolves the configuration, after every line was read: an include
// loop, a failed expansion, a Match exec command killed by a signal, a
// name canonicalization cannot resolve. Lines are the messages ssh
// prints for it, in order, the fatal one last; none when ssh's LogLevel
// silences them.
type FatalError struct {
	Lines []string
	// Prog marks messages ssh prefixes with its program name ("ssh: "):
	// those logged once ssh.c has set up logging, after the files were
	// read (canonicalization).
	Prog bool
	// Err is the cause when there is one to branch on.
	Err error
}

// Error joins the lines on one line; cmd/gssh prints Lines instead.
func (e *FatalError) Error() string { return "config: " + strings.Join(e.Lines, "; ") }

// Unwrap returns the cause, if any.
func (e *FatalError) Unwrap() error { return e.Err }

// fatal is a FatalError of one line.
func fatal(format string, args ...any) *FatalError {
	return &FatalError{Lines: []string{fmt.Sprintf(format, args...)}}
}
