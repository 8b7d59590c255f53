package client

import (
	"errors"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/escape"
	"github.com/gssh/gssh/internal/crash"
)

// ErrDisconnected is what Run returns when the user ended the session
// with the escape sequence ~. ; Run has already printed ssh's
// "Connection to H closed." and the exit status is 255. RunShared
// returns it when a passenger typed ~. : only that session's channel was
// closed, and the master sends the passenger no exit status, so that it
// says "Shared connection to H closed." and exits 255.
var ErrDisconnected = errors.New("client: connection closed by escape sequence")

// EscapeOptions configure the escape-character handler.
type EscapeOptions struct {
	// Char is EscapeChar (-e): a byte value, or escape.None.
	Char int
	// CommandLine is EnableEscapeCommandline: ~C opens the ssh> prompt
	// instead of answering "commandline disabled".
	CommandLine bool
	// LogToFile is set when log output goes to a file (-E): like ssh,
	// ~V and ~v then change nothing and say so.
	LogToFile bool
	// Forwarding is where ~C's -L, -R, -D, -KL, -KR and -KD act; without
	// it they answer "Port forwarding failed." (cmdline.go).
	Forwarding *forward.Forwarding
}

// EscapeFilter returns the SessionOptions.Filter that implements ssh's
// escape sequences (see package escape for the list). As in ssh they are
// active only in a session that requested a pty, and not at all with
// EscapeChar none: the filter is then nil and input passes untouched.
//
// Every answer goes to the local standard error and ends in "\r\n", since
// the terminal is raw. ~. closes the connection and makes Run return
// ErrDisconnected.
func EscapeFilter(opts EscapeOptions) func(*Control) InputFilter {
	return func(c *Control) InputFilter {
		if !c.PTY() || opts.Char == escape.None {
			return nil
		}
		h := &escapeHandler{ctl: c, opts: opts, f: escape.New(opts.Char)}
		return h.filter
	}
}

// escapeHandler is the state of one session's escape processing. Only the
// stdin pump's reading goroutine calls it.
type escapeHandler struct {
	ctl  *Control
	opts EscapeOptions
	f    *escape.Filter
	out  []byte // reused for the bytes to send; the pump copies them
	// cmd holds the ssh> line typed so far; inCmd is set while the
	// command line is open and the terminal is in line mode.
	cmd   []byte
	inCmd bool
}

// filter is the InputFilter: bytes typed in, bytes to send out.
func (h *escapeHandler) filter(p []byte) ([]byte, error) {
	h.out = h.out[:0]
	for len(p) > 0 {
		if h.inCmd {
			p = h.readCommandLine(p)
			continue
		}
		var n int
		var a escape.Action
		h.out, n, a = h.f.Feed(h.out, p)
		p = p[n:]
		if a == escape.Disconnect {
			h.ctl.disconnect()
			return nil, ErrDisconnected
		}
		if a == escape.Background && !h.ctl.shared && h.background() {
			// ssh's child sends a ^D and then EOF, as if local input
			// had ended; what came after the escape is not sent.
			return append(h.out, 4), errEndOfInput
		}
		h.act(a)
	}
	return h.out, nil
}

// act carries out every action except Disconnect, with OpenSSH 9.2's
// answers where gssh can do what ssh does.
func (h *escapeHandler) act(a escape.Action) {
	c, seq := h.ctl, a.Sequence(h.opts.Char)
	if c.shared && !sharedEscape(a) {
		// clientloop.c's "noescape": these act on the ssh process,
		// which for a passenger is not the one reading its input.
		c.say(seq + " escape not available to multiplexed sessions\r\n")
		return
	}
	switch a {
	case escape.SendBreak:
		c.say(seq + "\r\n")
		// In its own goroutine: a frozen server must not stop the
		// pump from reading the next escape.
		crash.Go(func() { c.SendBreak(1000) })
	case escape.CommandLine:
		if !h.opts.CommandLine {
			c.say("commandline disabled\r\n")
			return
		}
		h.openCommandLine()
	case escape.Rekey:
		// ssh starts a key exchange and prints nothing. x/crypto/ssh
		// has no way to start one on demand: it rekeys on its own after
		// RekeyThreshold bytes, a value it copies when the connection is
		// made (docs/escapes.md).
		c.say(seq + " [rekeying on request is not supported by gssh]\r\n")
	case escape.LogLevelDown, escape.LogLevelUp:
		c.say(seq + " " + h.changeLogLevel(a) + "\r\n")
	case escape.Suspend:
		c.say(seq + " [suspend ssh]\r\n")
		h.suspend()
	case escape.ListConnections:
		c.say(seq + "\r\n" + c.channelList())
	case escape.Background:
		// Only where background cannot stop gssh: outside Linux, or
		// without a local terminal.
		c.say(seq + " [backgrounding is not supported by gssh]\r\n")
	case escape.Help:
		c.say(escape.HelpText(h.opts.Char, escape.HelpOptions{CommandLine: h.opts.CommandLine, MuxClient: c.shared}))
	case escape.Info:
		c.say(seq + "\r\n" + c.connInfo(time.Now()))
	}
}

// background is ~&, as clientloop.c does it: leave raw mode, stop
// accepting forwarded connections (the listeners close, the connections
// in progress go on), say "~& [backgrounded]" and go to the background.
// ssh forks and its parent exits, so the shell shows its prompt; gssh
// cannot fork, so it stops and is continued as a background job
// (tty.Background), and Run's caller waits for the forwarded connections
// once the session has ended (forward.Forwarding.WaitDetached). It
// reports false, having changed nothing, where gssh cannot do this:
// outside Linux, or without a local terminal (stdin not a tty, -tt).
func (h *escapeHandler) background() bool {
	c := h.ctl
	// Without a local terminal in raw mode there is no job to stop: the
	// caller is not a shell waiting on a terminal.
	if !tty.CanBackground() || c.term == nil {
		return false
	}
	c.term.Restore()
	h.opts.Forwarding.Detach()
	// The terminal is no longer raw: a bare newline, as ssh writes it.
	c.say(escape.Background.Sequence(h.opts.Char) + " [backgrounded]\n")
	if err := tty.Background(); err != nil {
		c.log.Logf(config.LogError, "fork: %v", err)
	}
	return true
}

// sharedEscape reports whether a is available in a passenger's session
// run by a multiplexing master; OpenSSH 9.2 refuses ~C, ~V, ~v, ~^Z and
// ~& there.
func sharedEscape(a escape.Action) bool {
	switch a {
	case escape.CommandLine, escape.LogLevelDown, escape.LogLevelUp, escape.Suspend, escape.Background:
		return false
	}
	return true
}

// changeLogLevel is ~V and ~v: one level down or up, within QUIET and
// DEBUG3, answered as ssh does.
func (h *escapeHandler) changeLogLevel(a escape.Action) string {
	if h.opts.LogToFile {
		return "[Logging to syslog]" // ssh's words for any log not on stderr
	}
	log := h.ctl.log
	level := log.Level()
	switch {
	case a == escape.LogLevelDown && level > config.LogQuiet:
		level--
	case a == escape.LogLevelUp && level < config.LogDebug3:
		level++
	}
	log.SetLevel(level)
	return "[LogLevel " + levelName(level) + "]"
}

// levelName is OpenSSH's log_level_name.
func levelName(l config.LogLevel) string {
	switch l {
	case config.LogQuiet:
		return "QUIET"
	case config.LogFatal:
		return "FATAL"
	case config.LogError:
		return "ERROR"
	case config.LogInfo:
		return "INFO"
	case config.LogVerbose:
		return "VERBOSE"
	case config.LogDebug1:
		return "DEBUG1"
	case config.LogDebug2:
		return "DEBUG2"
	}
	return "DEBUG3"
}

// suspend is ~^Z: give the terminal back, stop, and take it again once
// continued, sending the window size in case it changed meanwhile, as
// ssh's client_suspend_self does.
func (h *escapeHandler) suspend() {
	c := h.ctl
	c.term.Restore()
	if err := tty.StopSelf(); err != nil {
		c.say("[cannot suspend: " + err.Error() + "]\r\n")
	}
	if c.term != nil {
		c.term.MakeRaw()
	}
	c.sendWindowSize()
}
