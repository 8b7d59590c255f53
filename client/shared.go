package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/client/x11"
	"github.com/gssh/gssh/internal/crash"
)

// SharedSession is a session that a multiplexing master opens for one of
// its clients (PROTOCOL.mux NEW_SESSION): the client decided the pty, TERM,
// command and environment, and passed its descriptors. Unlike Run, the
// local side is the client's, not this process's: nothing is made raw, no
// signals are caught and no farewell is printed (the client does those).
type SharedSession struct {
	// PTY requests a pty, with Term and the size and modes of TTY.
	PTY  bool
	Term string
	// Command is the remote command or, with Subsystem, the subsystem
	// name; empty starts a shell.
	Command   string
	Subsystem bool
	// Env holds NAME=VALUE entries sent as "env" requests, already
	// filtered by the master's SendEnv as mux.c does.
	Env []string
	// X11 is the client's wish for X11 forwarding. As mux.c's
	// mux_session_confirm, the master asks for it only when its own
	// ForwardX11 is on and its own DISPLAY is set, with its own xauth
	// settings (client/x11).
	X11 bool
	// Stdin, Stdout and Stderr are the client's streams.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// TTY is the client's terminal (its passed stdin), from which the pty
	// size and modes are read; nil sends a 0x0 size and no modes.
	TTY *tty.Terminal
	// Resize signals that the client's window may have changed size.
	Resize <-chan struct{}
	// Opened is called once the channel is open and the pty is settled,
	// before the command starts; PTYRefused when the server refused the
	// pty (the session goes on without one, as with a mux master).
	Opened     func()
	PTYRefused func()
	// Filter, when set, returns the filter the client's input passes
	// through, as SessionOptions.Filter does for Run. A master passes
	// EscapeFilter with the escape character of NEW_SESSION; the Control
	// it gets is a shared one, so ~. closes only this session's channel.
	Filter func(*Control) InputFilter
	// Signals carries the client's requests to signal the remote command
	// (gssh's mux extension for --timeout and Ctrl-C through a master).
	Signals <-chan SignalRequest
	// OpenWait, when set, judges the wait for the server's confirmation
	// of the channel (a master's check that its connection still
	// answers, mux.SessionCheck): it is called as the open is sent and
	// returns nil once answered is closed, or an error to give up on the
	// open, which RunShared then returns.
	OpenWait func(answered <-chan struct{}) error
}

// openSession opens a session channel, giving up when wait, if set,
// returns an error first. x/crypto cannot cancel an open: one confirmed
// too late is closed as soon as it arrives.
func (c *Conn) openSession(wait func(answered <-chan struct{}) error) (ssh.Channel, <-chan *ssh.Request, error) {
	open := func() (ssh.Channel, <-chan *ssh.Request, error) {
		ch, reqs, err := c.Client.OpenChannel("session", nil)
		if err != nil {
			return nil, nil, fmt.Errorf("client: open session: %w", err)
		}
		return ch, reqs, nil
	}
	if wait == nil {
		return open()
	}
	type opened struct {
		ch   ssh.Channel
		reqs <-chan *ssh.Request
		err  error
	}
	done := make(chan opened, 1)
	answered := make(chan struct{})
	crash.Go(func() {
		ch, reqs, err := open()
		done <- opened{ch, reqs, err}
		close(answered)
	})
	if err := wait(answered); err != nil {
		crash.Go(func() {
			if o := <-done; o.err == nil {
				o.ch.Close()
				ssh.DiscardRequests(o.reqs)
			}
		})
		return nil, nil, err
	}
	o := <-done
	return o.ch, o.reqs, o.err
}

// ErrSignalRefused is the result of a SignalRequest the server declined:
// sshd refuses signals for subsystems, forced commands and (before 9.8)
// root logins.
var ErrSignalRefused = errors.New("client: server refused the signal")

// SignalRequest asks a shared session to send its remote command a
// signal (RFC 4254 §6.9, with want-reply so that refusal is known).
type SignalRequest struct {
	// Name is the signal without "SIG": TERM, KILL, INT, HUP, QUIT.
	Name string
	// Result receives nil once the server accepted the signal,
	// ErrSignalRefused, or the error that ended the channel. It must have
	// room for one value: RunShared never waits for the reader.
	Result chan<- error
}

// RunShared runs s to its end on c and returns the remote exit status.
// Before s.Opened is called, errors mean the session never opened; after
// it, an error means there is no exit status to report
// (*RemoteSignalError, ErrNoExitStatus, ctx's error, a lost connection).
// Cancelling ctx closes the channel.
func (c *Conn) RunShared(ctx context.Context, s SharedSession, log *sshlog.Logger) (int, error) {
	ch, reqs, err := c.openSession(s.OpenWait)
	if err != nil {
		return 255, err
	}
	defer ch.Close()
	var rec exitRecorder
	closed := make(chan struct{})
	crash.Go(func() {
		defer close(closed)
		for req := range reqs {
			rec.handle(req, log)
		}
	})

	if err := c.sharedX11(ctx, ch, s, log); err != nil {
		return 255, err
	}
	if s.PTY {
		size := s.TTY.Size()
		payload := ssh.Marshal(struct {
			Term                      string
			Cols, Rows, Width, Height uint32
			Modes                     string
		}{s.Term, size.Cols, size.Rows, size.Width, size.Height, string(s.TTY.Modes())})
		ok, err := ch.SendRequest("pty-req", true, payload)
		if err != nil {
			return 255, fmt.Errorf("client: pty-req: %w", err)
		}
		if !ok && s.PTYRefused != nil {
			s.PTYRefused()
		}
	}
	for _, kv := range s.Env {
		if name, value, ok := strings.Cut(kv, "="); ok {
			if _, err := ch.SendRequest("env", false, ssh.Marshal(envVar{name, value})); err != nil {
				return 255, fmt.Errorf("client: env: %w", err)
			}
		}
	}
	if s.Opened != nil {
		s.Opened()
	}

	what, payload := "shell", []byte(nil)
	switch {
	case s.Subsystem:
		what, payload = "subsystem", ssh.Marshal(struct{ Name string }{s.Command})
	case s.Command != "":
		what, payload = "exec", ssh.Marshal(struct{ Command string }{s.Command})
	}
	ok, err := ch.SendRequest(what, true, payload)
	if err != nil {
		return 255, fmt.Errorf("client: %s request: %w", what, err)
	}
	if !ok {
		return 255, &RequestFailedError{What: what}
	}

	ended := make(chan struct{})
	defer close(ended)
	if s.PTY && s.Resize != nil {
		crash.Go(func() {
			for {
				select {
				case <-s.Resize:
					size := s.TTY.Size()
					if _, err := ch.SendRequest("window-change", false, ssh.Marshal(size)); err != nil {
						return
					}
				case <-ended:
					return
				}
			}
		})
	}
	var out sync.WaitGroup
	out.Add(2)
	crash.Go(func() { defer out.Done(); copyOutput(s.Stdout, ch, "stdout", nil, log) })
	crash.Go(func() { defer out.Done(); copyOutput(s.Stderr, ch.Stderr(), "stderr", nil, log) })
	in := s.Stdin
	if in == nil {
		in = strings.NewReader("")
	}
	var filter InputFilter
	ctl := &Control{conn: c, ch: ch, pty: s.PTY, stderr: s.Stderr, log: log, ctx: ctx, shared: true}
	if ctl.stderr == nil {
		ctl.stderr = io.Discard
	}
	if s.Filter != nil {
		filter = s.Filter(ctl)
	}
	pump := startStdinPump(in, ch, filter, nil, log)
	ctl.watchQueue(pump.q)
	defer pump.stop()

	for {
		select {
		case <-closed:
			out.Wait()
			return rec.result()
		case err := <-pump.failed:
			// ~. : the filter closed the channel; no exit status follows.
			return 255, err
		case r := <-s.Signals:
			crash.Go(func() { signalChannel(ch, r, log) })
		case <-ctx.Done():
			return 255, fmt.Errorf("client: shared session: %w", ctx.Err())
		}
	}
}

// sharedX11 is X11 forwarding for a client's session, asked for before
// the pty as ssh does. A refusal is written to the client's stderr, as
// mux.c's client_status_confirm appends it to the channel's stderr.
func (c *Conn) sharedX11(ctx context.Context, ch ssh.Channel, s SharedSession, log *sshlog.Logger) error {
	if !s.X11 {
		return nil
	}
	environ := os.Environ()
	if _, set := lookupEnv(environ, "DISPLAY"); !set {
		return nil
	}
	payload, ok := c.x11Request(ctx, environ, log)
	if !ok {
		return nil
	}
	granted, err := ch.SendRequest(x11.RequestType, true, payload)
	if err != nil {
		return fmt.Errorf("client: x11-req: %w", err)
	}
	if !granted && s.Stderr != nil && log.Level() >= config.LogError {
		io.WriteString(s.Stderr, "X11 forwarding request failed\r\n")
	}
	return nil
}

// signalChannel sends r's signal on ch and reports the server's answer.
// It runs in its own goroutine: a frozen server must not stop RunShared
// from noticing the end of the session.
func signalChannel(ch ssh.Channel, r SignalRequest, log *sshlog.Logger) {
	log.Logf(config.LogDebug1, "mux session: sending signal %s", r.Name)
	ok, err := ch.SendRequest("signal", true, ssh.Marshal(struct{ Signal string }{r.Name}))
	switch {
	case err != nil:
		r.Result <- fmt.Errorf("client: signal %s: %w", r.Name, err)
	case !ok:
		r.Result <- ErrSignalRefused
	default:
		r.Result <- nil
	}
}

// WantPTY decides, as ssh does, whether a session asks for a pty: from
// RequestTTY, whether there is a command (or RemoteCommand), and whether
// stdin is a terminal (which -n rules out). It logs ssh's "Pseudo-terminal
// will not be allocated" when it declines a requested pty. A
// multiplexing client decides this itself and tells the master.
func WantPTY(cfg *config.Config, command string, stdinTTY bool, log *sshlog.Logger) bool {
	if command == "" {
		command = cfg.RemoteCommand
	}
	return decidePTY(cfg.RequestTTY, command != "", stdinTTY && !cfg.StdinNull, log)
}

// SharedEnv lists what a multiplexing client passes in NEW_SESSION: the
// variables of environ that SendEnv selects, then every SetEnv entry, as
// NAME=VALUE in ssh's order.
func SharedEnv(environ []string, cfg *config.Config) []string {
	var out []string
	for _, v := range envRequests(environ, cfg.SendEnv, cfg.SetEnv) {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// PermittedEnv is the master's side of SharedEnv: mux.c's env_permitted
// keeps the NAME=VALUE entries whose name matches one of the master's own
// SendEnv patterns and drops the rest.
func PermittedEnv(env []string, cfg *config.Config) []string {
	var out []string
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		for _, p := range cfg.SendEnv {
			if config.MatchPattern(name, p) {
				out = append(out, kv)
				break
			}
		}
	}
	return out
}

// EnvValue returns the value of name in environ (NAME=VALUE entries).
func EnvValue(environ []string, name string) string {
	v, _ := lookupEnv(environ, name)
	return v
}
