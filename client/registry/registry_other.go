//go:build !unix

package registry

import (
	"context"
	"errors"
	"time"
)

// Supported tells whether this platform has the registry.
const Supported = false

var errUnsupported = errors.New("registry: not supported on this platform")

// Dir is the registry directory (unsupported here).
type Dir struct{ Path string }

// DirPath is where the registry would live.
func DirPath(getenv func(string) string, home string) string { return "" }

// OpenDir fails: no registry on this platform.
func OpenDir(string, bool) (*Dir, error) { return nil, errUnsupported }

// Live is an entry whose process is running.
type Live struct {
	Entry
	Proc Proc
}

// List returns nothing.
func (d *Dir) List() ([]Live, []error) { return nil, nil }

// Remove does nothing.
func (d *Dir) Remove(string) {}

// RequestEnd fails.
func (d *Dir) RequestEnd(context.Context, *Entry) error { return errUnsupported }

// LookupProc fails.
func LookupProc(int) (Proc, error) { return Proc{}, errUnsupported }

// Publisher is a process's entry (never created here).
type Publisher struct{}

// Publish fails.
func Publish(*Dir, Entry, func(*Entry), func()) (*Publisher, error) { return nil, errUnsupported }

// Close does nothing.
func (p *Publisher) Close() {}

// Discard does nothing.
func (p *Publisher) Discard() {}

// ID is empty.
func (p *Publisher) ID() string { return "" }

// How tells how End ended a process.
type How string

// NotEnded: End cannot end processes here.
const NotEnded How = "not ended"

// EndResult is what End did.
type EndResult struct {
	How         How
	RequestErr  error
	TTYRestored bool
	TTYErr      error
}

// End does nothing here.
func (d *Dir) End(context.Context, *Live, time.Duration) EndResult {
	return EndResult{How: NotEnded, RequestErr: errUnsupported}
}
