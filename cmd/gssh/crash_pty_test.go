//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// buildWithTestHooks compiles gssh with -tags gssh_testhooks, whose
// GSSH_TEST_PANIC_ON makes the session's output goroutine panic.
func buildWithTestHooks(t *testing.T) string {
	t.Helper()
	bin, err := sshdtest.Build(t.TempDir(), "gssh_testhooks")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestPanicInGoroutineRestoresTerminal: a panic on one of the session's
// goroutines, not main's, while the terminal is raw, ends gssh with the
// terminal's settings put back, exit 255 and one line instead of Go's
// goroutine dump; GSSH_PANIC_STACK=1 adds the stack.
func TestPanicInGoroutineRestoresTerminal(t *testing.T) {
	bin := buildWithTestHooks(t)
	s := sshdtest.Start(t, sshdtest.Options{})
	for _, withStack := range []bool{false, true} {
		name := "one line"
		env := []string{"GSSH_TEST_PANIC_ON=GSSHPANIC"}
		if withStack {
			name = "with stack"
			env = append(env, "GSSH_PANIC_STACK=1")
		}
		t.Run(name, func(t *testing.T) {
			p := startPtyCommand(t, 24, 80, env, bin, "-F", s.ClientConfig, "sshd")
			p.ready()
			p.waitRaw(10 * time.Second)
			p.typeText("echo GSSH''PANIC\r")
			if code := p.wait(20 * time.Second); code != 255 {
				t.Fatalf("exit %d, want 255; terminal shows:\n%q", code, p.screen())
			}
			p.assertTermiosRestored()
			line := "gssh: internal error: test hook: GSSHPANIC second line\r\n"
			// The terminal may still hold what gssh wrote last.
			p.waitFor(line, 5*time.Second)
			if withStack {
				p.waitFor("panicReader", 5*time.Second)
			}
			screen := p.screen()
			if strings.Count(screen, "internal error") != 1 {
				t.Fatalf("want one internal error line; terminal shows:\n%q", screen)
			}
			if !withStack {
				if !strings.HasSuffix(screen, line) || strings.Contains(screen, "goroutine ") {
					t.Fatalf("want the output to end with %q and no goroutine dump; terminal shows:\n%q", line, screen)
				}
				return
			}
			rest := screen[strings.Index(screen, line)+len(line):]
			if !strings.HasPrefix(rest, "goroutine ") || !strings.Contains(rest, "panicReader") {
				t.Fatalf("want the stack after %q; terminal shows:\n%q", line, screen)
			}
		})
	}
}
