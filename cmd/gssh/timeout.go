package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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

// remoteTimeoutScript is what --remote-timeout runs on the server, as
// /bin/sh -c SCRIPT gssh-remote-timeout LIMIT GRACE COMMAND: the command
// under the user's shell ($SHELL, which sshd sets to the login shell, as
// sshd itself would run it), bounded by LIMIT with GRACE between TERM and
// KILL.
//
// With a timeout(1) that takes -k (GNU coreutils, BusyBox), it is
// timeout -k GRACE LIMIT, which signals the command's whole process group
// and exits 124 (137 after KILL); on a terminal with --foreground, so the
// command keeps the terminal (its children are then ended by the hangup
// when gssh closes the channel). Otherwise a POSIX sh watchdog: the
// command runs in the foreground (keeping stdin and the terminal's
// signals) while a background subshell sleeps LIMIT, tells the main shell
// (ALRM, so that it exits 124), sends TERM to the process group, sleeps
// GRACE and sends KILL to it. The main shell passes a TERM it receives
// (sshd's signal request) on to the group, and stops the watchdog when the
// command ends first. The script is one line and uses only POSIX sh.
const remoteTimeoutScript = `l=$1 g=$2 c=$3 s=${SHELL:-/bin/sh}; ` +
	`if timeout -k 1 1 true >/dev/null 2>&1; then f=; [ -t 0 ] && f=--foreground; exec timeout $f -k "$g" "$l" "$s" -c "$c"; fi; ` +
	`x=; trap 'x=124' ALRM; trap 'trap "" TERM; kill -TERM 0' TERM; ` +
	`(trap '' TERM; trap 'kill -KILL $z 2>/dev/null; exit 0' USR1; ` +
	`sleep "$l" & z=$!; wait $z || exit 0; kill -ALRM $$; kill -TERM 0; ` +
	`sleep "$g" & z=$!; wait $z || exit 0; kill -KILL 0) </dev/null >/dev/null 2>&1 & w=$!; ` +
	`"$s" -c "$c"; r=$?; kill -USR1 $w 2>/dev/null; exit ${x:-$r}`

// remoteTimeoutName is $0 of the wrapper, which ps shows on the server.
const remoteTimeoutName = "gssh-remote-timeout"

// remoteTimeoutCommand wraps command so that the server ends it after
// limit, then kills it grace later (--remote-timeout): the one command
// line sent to the server, parsed there by the user's login shell, which
// must be a POSIX shell (sh, bash, dash, ksh, zsh; not csh or fish).
func remoteTimeoutCommand(command string, limit, grace time.Duration) string {
	return "exec /bin/sh -c " + shellQuote(remoteTimeoutScript) + " " + remoteTimeoutName + " " +
		shellSeconds(limit) + " " + shellSeconds(grace) + " " + shellQuote(command)
}

// shellQuote quotes s as one word for a POSIX shell: inside single
// quotes, where nothing is special but the single quote itself, which is
// written as quote, backslash, quote, quote (end the quotes, an escaped
// quote, quotes again). This
// is the one quoting function of --remote-timeout; a NUL, which no
// command line can hold, is the only byte it cannot carry.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellSeconds is d in seconds for timeout(1) and sleep(1): whole
// seconds when it is whole, else up to millisecond precision.
func shellSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Millisecond).Seconds(), 'f', -1, 64)
}

// applyRemoteTimeout puts the command of the run, from the command line
// or RemoteCommand, under remoteTimeoutCommand. It runs before the mux
// or a direct session sends the command, so both send the same; -G
// prints the configuration as ssh -G does, with RemoteCommand as
// configured. A run without a remote command
// (a shell, -N, -W) or with a subsystem cannot be bounded on the server.
func applyRemoteTimeout(inv *invocation, cfg *config.Config) error {
	switch {
	case cfg.SessionType == "subsystem":
		return errors.New("gssh: --remote-timeout cannot bound a subsystem")
	case inv.StdioForward != "" || cfg.SessionType == "none":
		return errors.New("gssh: --remote-timeout needs a remote command")
	case len(inv.Command) > 0:
		inv.Command = []string{remoteTimeoutCommand(strings.Join(inv.Command, " "), inv.Timeout, inv.KillAfter)}
	case cfg.RemoteCommand != "":
		cfg.RemoteCommand = remoteTimeoutCommand(cfg.RemoteCommand, inv.Timeout, inv.KillAfter)
	default:
		return errors.New("gssh: --remote-timeout needs a remote command")
	}
	return nil
}
