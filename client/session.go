package client

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/client/tty"
	"github.com/gssh/gssh/client/x11"
	"github.com/gssh/gssh/internal/crash"
)

// Streams are the local ends of a session.
type Streams struct {
	// Stdin is read by the session's own pump, never handed to x/crypto.
	// It is ignored with StdinNull; nil reads as empty.
	Stdin io.Reader
	// Stdout and Stderr receive the remote streams, separately; nil
	// discards.
	Stdout, Stderr io.Writer
	// Terminal is the terminal on stdin, nil when stdin is not one. It
	// decides the pty like isatty(0) does for ssh, supplies the window
	// size and modes, and is made raw while a pty session runs.
	Terminal *tty.Terminal
}

// StdStreams returns the process's standard input, output and error, with
// the terminal on fd 0 if there is one.
func StdStreams() Streams {
	return Streams{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Terminal: tty.Open(int(os.Stdin.Fd())),
	}
}

// SessionOptions are the parts of a session that come from the command
// line rather than from Conn.Config. RequestTTY, SessionType (-N, -s),
// RemoteCommand, StdinNull (-n), SendEnv and SetEnv are read from the
// Config.
type SessionOptions struct {
	// Command is the remote command, its words already joined with single
	// spaces as ssh does; with SessionType subsystem it is the subsystem
	// name. Empty means Config.RemoteCommand, or a shell without one.
	Command string
	// Environ is the local environment for SendEnv and TERM, as
	// NAME=VALUE entries; nil means os.Environ().
	Environ []string
	// Filter, when set, is called once the session has started and
	// returns the InputFilter that every chunk of local input passes
	// through. The escape-character handler plugs in here; Control tells
	// it whether a pty was requested, which is when ssh enables escapes.
	Filter func(*Control) InputFilter
	// KillAfter is how long, once ctx ends or IdleTimeout passes, the
	// remote command gets between signal TERM and signal KILL; 0 sends
	// KILL at once.
	KillAfter time.Duration
	// IdleTimeout ends the session when no session data moved in either
	// direction for this long (gssh's --idle-timeout); 0 means never.
	IdleTimeout time.Duration
	// RemoteDeadline tells that the server bounds the command by itself
	// with the same deadline (gssh's --remote-timeout): when ctx ends and
	// the server refuses the signal, Run waits up to KillAfter plus 2 s
	// for the server's timeout to end the command, and says so.
	RemoteDeadline bool
}

// Run runs one session the way ssh(1) does and returns the remote exit
// status. When the session ends normally, all remote output has been
// written before Run returns. The terminal, when
// made raw, is restored on every path, including a panic in one of the
// session's goroutines. While it runs, Run catches SIGHUP, SIGINT, SIGQUIT
// and SIGTERM (unless ignored), as ssh does, and returns
// LocalSignalError. With SessionType none (-N) it opens no session and
// waits for ctx, a signal, or the end of the connection.
//
// Any error comes with status 255, ssh's exit code for all of them:
// *RemoteSignalError, *ConnectionLostError, *LocalSignalError,
// *RequestFailedError, ErrNoExitStatus, the filter's error, or a wrapped
// ctx or connection error.
func (c *Conn) Run(ctx context.Context, opts SessionOptions, st Streams, log *sshlog.Logger) (exitStatus int, err error) {
	defer st.Terminal.RestoreOnPanic()
	sigc := make(chan os.Signal, 1)
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM} {
		// ssh leaves ignored signals ignored (nohup).
		if !signal.Ignored(s) {
			signal.Notify(sigc, s)
		}
	}
	defer signal.Stop(sigc)

	cfg := c.Config
	if cfg.SessionType == "none" {
		return c.waitNoSession(ctx, sigc, log)
	}
	s := &session{conn: c, opts: opts, st: st, log: log, sigc: sigc}
	if s.opts.Environ == nil {
		s.opts.Environ = os.Environ()
	}
	s.command = opts.Command
	if s.command == "" {
		s.command = cfg.RemoteCommand
	}
	s.pty = decidePTY(cfg.RequestTTY, s.command != "", st.Terminal != nil && !cfg.StdinNull, log)
	return s.run(ctx)
}

// decidePTY is ssh.c's tty_flag logic for a session that is opened
// (SessionType none never gets here, and never warns).
func decidePTY(requestTTY config.RequestTTY, hasCommand, stdinTTY bool, log *sshlog.Logger) bool {
	want := requestTTY == config.RequestTTYYes || requestTTY == config.RequestTTYForce
	if !hasCommand {
		want = requestTTY != config.RequestTTYNo
	}
	if !stdinTTY && requestTTY != config.RequestTTYForce {
		if want {
			log.Logf(config.LogInfo, "Pseudo-terminal will not be allocated because stdin is not a terminal.")
		}
		want = false
	}
	return want
}

// session is the state of one Run.
type session struct {
	conn    *Conn
	opts    SessionOptions
	st      Streams
	log     *sshlog.Logger
	sigc    chan os.Signal
	command string
	pty     bool // requested; stays set when the server refuses, as in ssh
	raw     bool // the local terminal was made raw for the granted pty

	ch     ssh.Channel
	rec    exitRecorder
	closed chan struct{} // closed when the server closed the channel
	ended  chan struct{} // closed when Run returns
}

func (s *session) run(ctx context.Context) (int, error) {
	ch, reqs, err := s.conn.Client.OpenChannel("session", nil)
	if err != nil {
		return 255, fmt.Errorf("client: open session: %w", err)
	}
	s.ch = ch
	s.log.Logf(config.LogDebug1, "channel 0: new session [client-session] (inactive timeout: 0)")
	s.log.Logf(config.LogDebug1, "Entering interactive session.")
	defer ch.Close()
	s.ended = make(chan struct{})
	defer close(s.ended)
	// Requests must be drained from the start: x/crypto blocks the whole
	// connection when a channel's request queue is full.
	s.closed = make(chan struct{})
	crash.Go(func() {
		defer close(s.closed)
		defer s.st.Terminal.RestoreOnPanic()
		for req := range reqs {
			s.rec.handle(req, s.log)
		}
	})

	defer s.st.Terminal.Restore()
	if err := s.requestX11(ctx); err != nil { // first, as ssh_session2_setup
		return 255, err
	}
	if !s.conn.HostKeyUntrusted {
		forward.RequestAgent(s.conn.Client, ch, s.conn.Config, s.log) // before pty-req, as ssh orders them
	}
	if err := s.setup(ctx); err != nil {
		return 255, err
	}

	var winch chan os.Signal
	if s.pty && s.st.Terminal != nil {
		winch = make(chan os.Signal, 1)
		tty.NotifyWindowChange(winch)
		defer signal.Stop(winch)
		crash.Go(func() { s.forwardWindowChanges(winch) })
	}
	if err := s.start(ctx); err != nil {
		return 255, err
	}

	idle, err := startIdleWatch(ctx, s.opts.IdleTimeout, s.ended)
	if err != nil {
		return 255, err
	}
	var out sync.WaitGroup
	out.Add(2)
	crash.Go(func() { defer out.Done(); copyOutput(s.st.Stdout, idle.reader(ch), "stdout", s.st.Terminal, s.log) })
	crash.Go(func() {
		defer out.Done()
		copyOutput(s.st.Stderr, idle.reader(ch.Stderr()), "stderr", s.st.Terminal, s.log)
	})

	var in io.Reader = strings.NewReader("") // -n: EOF at once, as from /dev/null
	if !s.conn.Config.StdinNull && s.st.Stdin != nil {
		in = s.st.Stdin
	}
	var filter InputFilter
	var ctl *Control
	if s.opts.Filter != nil {
		ctl = s.control(ctx)
		filter = s.opts.Filter(ctl)
	}
	pump := startStdinPump(in, idle.writer(ch), filter, s.st.Terminal, s.log)
	ctl.watchQueue(pump.q)
	defer pump.stop()

	select {
	case <-s.closed:
		if err := s.waitOutput(ctx, &out, idle); err != nil {
			return 255, err
		}
		s.log.Logf(config.LogDebug1, "channel 0: free: client-session, nchannels 1")
		if err := s.waitX11(ctx, idle); err != nil {
			return 255, err
		}
		return s.finish(ctx)
	case err := <-pump.failed:
		ch.Close()
		s.st.Terminal.Restore()
		s.closedMessage()
		return 255, err
	case sig := <-s.sigc:
		s.forwardSignal(sig)
		ch.Close()
		return 255, &LocalSignalError{Signal: sig}
	case <-s.conn.guard.deadChan():
		return 255, s.conn.guard.deadErr()
	case <-ctx.Done():
		err := s.endEarly(ctx, idle, false)
		ch.Close()
		return 255, err
	case <-idle.fired():
		err := s.endEarly(ctx, idle, false)
		ch.Close()
		return 255, err
	}
}

// requestX11 asks for X11 forwarding (client/x11) when ForwardX11 is on;
// a refusal is reported and the session goes on without it, as in ssh.
func (s *session) requestX11(ctx context.Context) error {
	payload, ok := s.conn.x11Request(ctx, s.opts.Environ, s.log)
	if !ok {
		return nil
	}
	granted, err := s.request(ctx, x11.RequestType, payload)
	if err != nil {
		return err
	}
	if !granted {
		s.log.Logf(config.LogError, "X11 forwarding request failed on channel 0")
	}
	return nil
}

// waitX11 keeps a session whose channel has closed alive while X11
// connections are still relayed, as ssh's client loop waits for every
// open channel: a remote "xterm &" outlives its shell.
func (s *session) waitX11(ctx context.Context, idle *idleWatch) error {
	select {
	case <-s.conn.x11.Idle():
		return nil
	default:
	}
	s.log.Logf(config.LogDebug1, "waiting for X11 connections to close")
	select {
	case <-s.conn.x11.Idle():
		return nil
	case sig := <-s.sigc:
		return &LocalSignalError{Signal: sig}
	case <-s.conn.guard.deadChan():
		return s.conn.guard.deadErr()
	case <-ctx.Done():
		return s.endEarly(ctx, idle, true)
	}
}

// setup sends pty-req and the env requests, and enters raw mode once the
// server granted the pty.
func (s *session) setup(ctx context.Context) error {
	cfg := s.conn.Config
	if s.pty {
		term, _ := lookupEnv(cfg.SetEnv, "TERM")
		if term == "" {
			term, _ = lookupEnv(s.opts.Environ, "TERM") // ssh sends "" when unset
		}
		size := s.st.Terminal.Size()
		payload := ssh.Marshal(struct {
			Term                      string
			Cols, Rows, Width, Height uint32
			Modes                     string
		}{term, size.Cols, size.Rows, size.Width, size.Height, string(s.st.Terminal.Modes())})
		ok, err := s.request(ctx, "pty-req", payload)
		if err != nil {
			return err
		}
		switch {
		case !ok && (cfg.RequestTTY == config.RequestTTYYes || cfg.RequestTTY == config.RequestTTYForce):
			return &RequestFailedError{What: "PTY allocation"}
		case !ok:
			s.log.Logf(config.LogError, "PTY allocation request failed on channel 0")
		case s.st.Terminal != nil:
			if err := s.st.Terminal.MakeRaw(); err != nil {
				s.log.Logf(config.LogError, "%v", err) // ssh carries on cooked
			} else {
				s.raw = true
			}
		}
	}
	vars := envRequests(s.opts.Environ, cfg.SendEnv, cfg.SetEnv)
	if len(vars) > 0 {
		s.log.Logf(config.LogDebug1, "Sending environment.")
	}
	for _, v := range vars {
		s.log.Logf(config.LogDebug1, "channel 0: setting env %s = %q", v.Name, v.Value)
		// No reply wanted: ssh ignores servers that refuse (AcceptEnv).
		if _, err := s.ch.SendRequest("env", false, ssh.Marshal(v)); err != nil {
			return fmt.Errorf("client: env: %w", err)
		}
	}
	return nil
}

// start sends exec, subsystem or shell and waits for the server's answer.
func (s *session) start(ctx context.Context) error {
	var (
		what    = "shell"
		payload []byte
	)
	logged := s.command
	if len(logged) > 900 {
		logged = logged[:900]
	}
	switch {
	case s.conn.Config.SessionType == "subsystem":
		what = "subsystem"
		s.log.Logf(config.LogDebug1, "Sending subsystem: %s", logged)
	case s.command != "":
		what = "exec"
		s.log.Logf(config.LogDebug1, "Sending command: %s", logged)
	}
	if what != "shell" {
		payload = ssh.Marshal(struct{ Command string }{s.command})
	}
	ok, err := s.request(ctx, what, payload)
	if err != nil {
		return err
	}
	if !ok {
		return &RequestFailedError{What: what}
	}
	return nil
}

// request sends a channel request that wants a reply and waits for it,
// for ctx, or for a signal: a hung server must not make gssh deaf to ^C.
// The abandoned request ends when the channel or connection closes.
func (s *session) request(ctx context.Context, name string, payload []byte) (bool, error) {
	type reply struct {
		ok  bool
		err error
	}
	res := make(chan reply, 1)
	crash.Go(func() {
		ok, err := s.ch.SendRequest(name, true, payload)
		res <- reply{ok, err}
	})
	select {
	case r := <-res:
		if r.err != nil && !s.conn.alive(ctx) {
			return false, s.lost(ctx)
		}
		if r.err != nil {
			return false, fmt.Errorf("client: %s request: %w", name, r.err)
		}
		return r.ok, nil
	case sig := <-s.sigc:
		return false, &LocalSignalError{Signal: sig}
	case <-ctx.Done():
		return false, fmt.Errorf("client: session: %w", ctx.Err())
	}
}

// forwardWindowChanges sends window-change for every SIGWINCH until the
// signal is stopped, reading the size from stdin like ssh.
func (s *session) forwardWindowChanges(winch chan os.Signal) {
	defer s.st.Terminal.RestoreOnPanic()
	for {
		select {
		case <-winch:
			size := s.st.Terminal.Size()
			if _, err := s.ch.SendRequest("window-change", false, ssh.Marshal(size)); err != nil {
				return
			}
		case <-s.ended:
			return
		}
	}
}

// finish turns a closed channel into Run's result, telling a dead
// connection from a server that closed the channel.
func (s *session) finish(ctx context.Context) (int, error) {
	status, err := s.rec.result()
	if err == ErrNoExitStatus && !s.conn.alive(ctx) {
		return 255, s.lost(ctx)
	}
	s.st.Terminal.Restore()
	s.closedMessage()
	return status, err
}

// lost ends a session whose connection died, with ssh's messages.
func (s *session) lost(ctx context.Context) error {
	s.st.Terminal.Restore()
	if s.conn.quitting.Load() {
		s.closedMessage()
		return ErrQuit
	}
	if err := s.conn.guard.deadErr(); err != nil {
		return err // cmd/gssh prints ssh's keepalive message
	}
	if d := s.conn.disconnect(ctx); d != nil {
		d.Log(s.log)
		return d
	}
	err := &ConnectionLostError{Host: s.conn.Config.HostName}
	// ssh prints this at any LogLevel, with "\r\n" even without a pty.
	s.log.Logf(config.LogQuiet, "%s", err.Error())
	s.closedMessage()
	return err
}

// closedMessage is ssh's farewell for sessions that requested a pty.
func (s *session) closedMessage() {
	if s.pty {
		s.log.Logf(config.LogInfo, "Connection to %s closed.", s.conn.Config.HostName)
	}
}

// alive reports whether the connection still answers. x/crypto closes
// every channel when the connection dies, so a channel closed without an
// exit status is ambiguous; a global request is answered (with failure)
// by a live sshd and fails at once on a dead connection.
func (c *Conn) alive(ctx context.Context) bool {
	res := make(chan error, 1)
	crash.Go(func() {
		_, _, err := c.Client.SendRequest("keepalive@openssh.com", true, nil)
		res <- err
	})
	select {
	case err := <-res:
		return err == nil
	case <-ctx.Done():
		return false
	}
}

// waitNoSession is -N: no channel, just a connection to keep forwarding
// on. SIGTERM ends it with status 0, as in ssh's client_loop.
func (c *Conn) waitNoSession(ctx context.Context, sigc chan os.Signal, log *sshlog.Logger) (int, error) {
	log.Logf(config.LogDebug1, "Entering interactive session.")
	dead := make(chan struct{})
	crash.Go(func() {
		c.Client.Wait()
		close(dead)
	})
	select {
	case <-dead:
		if c.quitting.Load() {
			return 255, ErrQuit
		}
		if err := c.guard.deadErr(); err != nil {
			return 255, err
		}
		if d := c.disconnect(ctx); d != nil {
			d.Log(log)
			return 255, d
		}
		lost := &ConnectionLostError{Host: c.Config.HostName}
		log.Logf(config.LogQuiet, "%s", lost.Error())
		return 255, lost
	case sig := <-sigc:
		if sig == syscall.SIGTERM {
			return 0, nil
		}
		return 255, &LocalSignalError{Signal: sig}
	case <-ctx.Done():
		return 255, fmt.Errorf("client: %w", ctx.Err())
	}
}
