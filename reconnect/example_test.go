package reconnect_test

import (
	"fmt"

	"github.com/gssh/gssh/reconnect"
)

// A run with --reconnect-max 3: the connection is lost, every attempt
// fails, and the third failure gives up. The jitter source is pinned so
// the waits print their full length.
func Example() {
	s := reconnect.New(reconnect.Policy{MaxAttempts: 3, Rand: func() float64 { return 0 }})
	s.Connected()
	d := s.Lost()
	for d.Retry {
		fmt.Printf("waiting %v before %s\n", d.Wait, d)
		d = s.Failed() // the attempt failed
	}
	fmt.Printf("giving up after %d attempts\n", d.Attempt)
	// Output:
	// waiting 1s before attempt 1 of 3
	// waiting 2s before attempt 2 of 3
	// waiting 4s before attempt 3 of 3
	// giving up after 3 attempts
}
