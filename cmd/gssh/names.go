package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gssh/gssh/client/config"
)

// nameMessage is what ssh logs for a name it refuses (config.NameError):
// ssh.c's two fatal messages for the destination, parse_jump's error for
// a jump hop, which quotes the name as log.c renders it.
func nameMessage(e *config.NameError) string {
	switch {
	case e.Jump && e.Kind == config.UserNameKind:
		return fmt.Sprintf("parse_jump: invalid username \"%s\"", logVis(e.Name))
	case e.Jump:
		return fmt.Sprintf("parse_jump: invalid hostname \"%s\"", logVis(e.Name))
	case e.Kind == config.UserNameKind:
		return "remote username contains invalid characters"
	default:
		return "hostname contains invalid characters"
	}
}

// logVis renders s as log.c's do_log does on stderr, with strnvis and
// VIS_SAFE|VIS_OCTAL: printable ASCII, space, tab, newline, carriage
// return, backspace and BEL are kept, a backslash is doubled, and every
// other byte becomes a backslash and three octal digits. Like C's "%s" it
// stops at a NUL.
func logVis(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			return b.String()
		case c == '\\':
			b.WriteString(`\\`)
		case c >= ' ' && c < 0x7f, c == '\t', c == '\n', c == '\r', c == '\b', c == '\a':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
}

// isConfigError reports whether err is one of the configuration errors
// that parseArgs passes on from config.CheckCommandLine.
func isConfigError(err error) bool {
	var pe *config.ParseError
	var ne *config.NameError
	return errors.As(err, &pe) || errors.As(err, &ne)
}
