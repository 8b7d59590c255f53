//go:build !unix

package main

import "os"

// inherited: nothing is re-executed here (no -f, no background master).
type inherited struct {
	fork   *forkChild
	daemon *os.File
}

// takeInherited has nothing to take.
func takeInherited() inherited { return inherited{} }
