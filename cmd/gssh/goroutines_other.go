//go:build !unix

package main

// installGoroutineDump does nothing where there is no SIGUSR2.
func installGoroutineDump() {}
