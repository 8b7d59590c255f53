//go:build !unix

package main

import (
	"io"

	"github.com/gssh/gssh/client/config"
)

// canFork: -f re-executes gssh in a new session, which needs Unix.
func canFork(*config.Config) bool { return false }

// forkBackground is never reached: checkSupported refuses -f here.
func forkBackground(argv []string, logOut io.Writer) int { return exitFailure }
