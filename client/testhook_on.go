//go:build gssh_testhooks

package client

import (
	"bytes"
	"io"
	"os"

	"github.com/gssh/gssh/internal/crash"
)

// testPanicEnv names the marker whose arrival in the session's output
// makes a test build of gssh panic on the goroutine that copies it, so
// that tests can watch the crash handler restore a raw terminal. Only
// binaries built with -tags gssh_testhooks read it.
const testPanicEnv = "GSSH_TEST_PANIC_ON"

// testRaceEnv, set to any value, makes a test build of gssh commit a
// data race as each session's output starts, so that tests can watch a
// race-checked gssh fail the test that ran it.
const testRaceEnv = "GSSH_TEST_RACE"

func outputHook(r io.Reader) io.Reader {
	if os.Getenv(testRaceEnv) != "" {
		raceOnPurpose()
	}
	marker := os.Getenv(testPanicEnv)
	if marker == "" {
		return r
	}
	return &panicReader{r: r, marker: []byte(marker)}
}

// panicReader panics with a two-line value once marker was read. The
// marker is looked for in each read alone: tests echo a short one.
type panicReader struct {
	r      io.Reader
	marker []byte
}

func (p *panicReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if bytes.Contains(b[:n], p.marker) {
		panic("test hook: " + string(p.marker) + "\nsecond line")
	}
	return n, err
}

// raceOnPurpose increments a counter on two goroutines with nothing to
// order the two increments: the race detector reports it on every run,
// whichever runs first.
func raceOnPurpose() {
	n := 0
	done := make(chan struct{})
	crash.Go(func() {
		n++
		close(done)
	})
	n++
	<-done
}
