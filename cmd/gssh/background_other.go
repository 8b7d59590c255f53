//go:build !unix

package main

import (
	"io"

	"github.com/gssh/gssh/client/config"
)

// canFork: -f re-executes gssh in a new session, which needs Unix.
func canFork(*config.Config) bool { return false }

// takeForkChild: no -f child is ever started here.
func takeForkChild() *forkChild { return nil }

// forkBackground is never reached: checkSupported refuses -f here.
func forkBackground(argv []string, logOut io.Writer) int { return exitFailure }
