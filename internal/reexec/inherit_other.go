//go:build !unix

package reexec

// take has nothing to take: nothing is re-executed here (no -f, no
// background master).
func take() Inherited { return Inherited{} }
