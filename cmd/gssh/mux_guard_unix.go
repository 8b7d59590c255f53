//go:build unix

package main

import (
	"context"

	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
)

// guardedBackend runs each of a backend's methods under crash.Recover:
// package mux calls them on goroutines of its own, where a panic of
// gssh's code would otherwise escape the crash handler.
type guardedBackend struct{ b mux.Backend }

func guardBackend(b mux.Backend) mux.Backend { return guardedBackend{b} }

func (g guardedBackend) Session(ctx context.Context, r *mux.SessionRequest) (int, error) {
	defer crash.Recover()
	return g.b.Session(ctx, r)
}

func (g guardedBackend) StdioForward(ctx context.Context, r *mux.StdioRequest) error {
	defer crash.Recover()
	return g.b.StdioForward(ctx, r)
}

func (g guardedBackend) Forward(f mux.Forward, cancel bool) (uint32, error) {
	defer crash.Recover()
	return g.b.Forward(f, cancel)
}

func (g guardedBackend) Info(what string) (string, error) {
	defer crash.Recover()
	return g.b.Info(what)
}

func (g guardedBackend) CheckUpstream(ctx context.Context) error {
	defer crash.Recover()
	return g.b.CheckUpstream(ctx)
}
