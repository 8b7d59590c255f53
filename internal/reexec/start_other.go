//go:build !unix

package reexec

import "errors"

// supported: re-executing gssh in a new session needs Unix.
const supported = false

// start is never reached: cmd/gssh refuses -f here, and there are no
// background masters.
func start(Options) (*Child, error) {
	return nil, errors.ErrUnsupported
}
