package main

import (
	"errors"
	"fmt"

	"github.com/gssh/gssh/client/config"
)

// nameMessage is what ssh logs for a name it refuses (config.NameError):
// ssh.c's two fatal messages for the destination, parse_jump's error for
// a jump hop, which quotes the name. Callers write it through
// termsafe.LogLine, as log.c renders it.
func nameMessage(e *config.NameError) string {
	switch {
	case e.Jump && e.Kind == config.UserNameKind:
		return fmt.Sprintf("parse_jump: invalid username \"%s\"", e.Name)
	case e.Jump:
		return fmt.Sprintf("parse_jump: invalid hostname \"%s\"", e.Name)
	case e.Kind == config.UserNameKind:
		return "remote username contains invalid characters"
	default:
		return "hostname contains invalid characters"
	}
}

// isConfigError reports whether err is one of the configuration errors
// that parseArgs passes on from config.CheckCommandLine.
func isConfigError(err error) bool {
	var pe *config.ParseError
	var ne *config.NameError
	return errors.As(err, &pe) || errors.As(err, &ne)
}
