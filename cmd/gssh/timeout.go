package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
)

// exitTimeout is gssh's status when --timeout ends the run, as timeout(1)
// exits: distinct from 255 so scripts can tell "too slow" from "failed".
const exitTimeout = 124

// abandonGrace is how long, once --timeout expired during Dial, gssh waits
// for Dial to notice (it closes the socket at once) before leaving anyway:
// a prompt blocked reading the terminal cannot be interrupted.
const abandonGrace = 200 * time.Millisecond

// runTimeout is the context cause of an expired --timeout.
type runTimeout struct{ limit time.Duration }

func (e *runTimeout) Error() string { return fmt.Sprintf("timeout after %v", e.limit) }

// runContext bounds the whole run by limit (--timeout); 0 means no bound.
func runContext(limit time.Duration) (context.Context, context.CancelFunc) {
	if limit <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeoutCause(context.Background(), limit, &runTimeout{limit})
}

// expired returns the --timeout cause when it has ended ctx.
func expired(ctx context.Context) *runTimeout {
	var rt *runTimeout
	if errors.As(context.Cause(ctx), &rt) {
		return rt
	}
	return nil
}

// dialBounded is client.Dial that returns by ctx's deadline even when Dial
// is stuck at a passphrase or password prompt. The terminal's state is put
// back as it was, since an abandoned password prompt leaves echo off.
func dialBounded(ctx context.Context, cfg *config.Config, opts client.DialOptions) (*client.Conn, error) {
	type result struct {
		conn *client.Conn
		err  error
	}
	tty := saveTTY(opts.Prompter != nil)
	defer tty.close()
	res := make(chan result, 1)
	crash.Go(func() {
		c, err := client.Dial(ctx, cfg, opts)
		res <- result{c, err}
	})
	select {
	case r := <-res:
		return r.conn, r.err
	case <-ctx.Done():
	}
	grace := time.NewTimer(abandonGrace)
	defer grace.Stop()
	select {
	case r := <-res:
		return r.conn, r.err
	case <-grace.C:
		tty.restore()
		return nil, fmt.Errorf("gssh: dial abandoned: %w", context.Cause(ctx))
	}
}

// savedTTY is the controlling terminal's state before any prompt.
type savedTTY struct {
	f     *os.File
	state *term.State
}

func saveTTY(prompts bool) savedTTY {
	if !prompts {
		return savedTTY{}
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return savedTTY{}
	}
	st, err := term.GetState(int(f.Fd()))
	if err != nil {
		f.Close()
		return savedTTY{}
	}
	return savedTTY{f: f, state: st}
}

func (t savedTTY) restore() {
	if t.f != nil {
		term.Restore(int(t.f.Fd()), t.state)
		io.WriteString(t.f, "\r\n") // end the abandoned prompt's line
	}
}

func (t savedTTY) close() {
	if t.f != nil {
		t.f.Close()
	}
}

// reportDialTimeout prints the one line for a --timeout that expired
// before the session started and returns exit status 124; ok is false
// when the failure was something else.
func reportDialTimeout(ctx context.Context, w io.Writer, prog string, cfg *config.Config, quiet bool) (int, bool) {
	rt := expired(ctx)
	if rt == nil {
		return 0, false
	}
	if !quiet {
		fmt.Fprintf(w, "%s: %v: connection to %s port %d not established\r\n", prog, rt, cfg.HostName, cfg.Port)
	}
	return exitTimeout, true
}

// reportEarlyEnd prints the one line for a session that --timeout or
// --idle-timeout ended and returns its exit status: 124 for --timeout,
// 255 for --idle-timeout. ok is false for any other error.
func reportEarlyEnd(ctx context.Context, w io.Writer, prog string, idleLimit time.Duration, err error, quiet bool) (int, bool) {
	line := func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(w, "%s: "+format+"\r\n", append([]any{prog}, args...)...)
		}
	}
	var deadline *client.DeadlineError
	var idle *client.IdleTimeoutError
	switch {
	case errors.As(err, &deadline) && expired(ctx) != nil:
		line("%v: %s", expired(ctx), deadline.Outcome.Describe())
		return exitTimeout, true
	case errors.As(err, &idle):
		msg := "no data in either direction"
		if idle.Outcome != client.StopTerminated && idle.Outcome != client.StopFinished {
			msg += "; " + idle.Outcome.Describe()
		}
		line("idle timeout after %v: %s", idleLimit, msg)
		return exitFailure, true
	case expired(ctx) != nil && errors.Is(err, context.DeadlineExceeded):
		// The deadline passed while the session was being set up, before
		// the server confirmed the remote command.
		line("%v: session not started", expired(ctx))
		return exitTimeout, true
	}
	return 0, false
}
