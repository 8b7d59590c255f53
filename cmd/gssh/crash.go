package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/internal/crash"
)

// panicStackEnv, set to 1, adds the panicking goroutine's stack to the
// one line an internal error prints (docs/gssh.1, ENVIRONMENT).
const panicStackEnv = "GSSH_PANIC_STACK"

// installCrashHandler makes any panic, in whichever goroutine of gssh's,
// end the process the way a fatal error does: the terminal out of raw
// mode, one line on stderr instead of Go's goroutine dump, exit 255, and
// the process's registry entry removed.
func installCrashHandler(st client.Streams, live *liveProcess) {
	prog := filepath.Base(os.Args[0])
	crash.Install(func(v any, stack []byte) {
		st.Terminal.Restore()
		live.discard()
		fmt.Fprintf(st.Stderr, "%s: internal error: %s\n", prog, oneLine(fmt.Sprint(v)))
		if os.Getenv(panicStackEnv) == "1" {
			st.Stderr.Write(stack)
		}
		os.Exit(exitFailure)
	})
}

// oneLine keeps a panic's text on one line and free of control
// characters, whatever produced it.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
