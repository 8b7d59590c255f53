package soak

import (
	"fmt"
	"os"
)

// Sizes is how much churn one run puts through each master.
type Sizes struct {
	Name string
	// Rounds is how many times the whole churn below is repeated on the
	// same two masters; each round ends with a check of their state.
	Rounds     int
	Sequential int   // sessions one after another
	Concurrent int   // bulk sessions at once
	Bulk       int64 // bytes each bulk session moves each way
	Checks     int   // -O check, one after another
	Streams    int   // -W stdio forwards
	Forwards   int   // connections through the master's -L
	// StreamBytes is what each -W stream and -L connection echoes.
	StreamBytes int64
	// Parallel is how many -W streams or -L connections run at once.
	Parallel int
}

// SizesEnv selects the sizes: "long" for `make soak`, "short" (or unset)
// for `make test`.
const SizesEnv = "GSSH_SOAK"

// Long is `make soak`, about ten minutes on a two-core machine.
func Long() Sizes {
	return Sizes{Name: "long", Rounds: 4, Sequential: 5000, Concurrent: 200, Bulk: 8 << 20, Checks: 1000, Streams: 500, Forwards: 500, StreamBytes: 64 << 10, Parallel: 20}
}

// Short is the variant in `make test`, well under a minute.
func Short() Sizes {
	return Sizes{Name: "short", Rounds: 1, Sequential: 200, Concurrent: 20, Bulk: 1 << 20, Checks: 100, Streams: 50, Forwards: 50, StreamBytes: 64 << 10, Parallel: 10}
}

// SizesFromEnv returns the sizes SizesEnv names.
func SizesFromEnv() (Sizes, error) {
	switch v := os.Getenv(SizesEnv); v {
	case "", "short":
		return Short(), nil
	case "long":
		return Long(), nil
	default:
		return Sizes{}, fmt.Errorf("%s: want short or long, got %q", SizesEnv, v)
	}
}

func (s Sizes) String() string {
	return fmt.Sprintf("%s: %d rounds of %d sequential sessions, %d concurrent sessions × %d MiB each way, %d -O check, %d -W streams and %d -L connections (%d KiB each, %d at once)",
		s.Name, s.Rounds, s.Sequential, s.Concurrent, s.Bulk>>20, s.Checks, s.Streams, s.Forwards, s.StreamBytes>>10, s.Parallel)
}
