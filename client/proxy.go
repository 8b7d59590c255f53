package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
	"github.com/gssh/gssh/internal/crash"
)

// UnsupportedError reports a feature gssh accepts on the command line or
// in ssh_config but does not implement yet. Failing loudly is deliberate:
// a silently ignored option would leave a caller waiting for a tunnel,
// a proxy or a master that never comes.
type UnsupportedError struct {
	// Feature names what is missing as the message shows it: the
	// ssh_config keyword and its value ("ProxyUseFdpass yes") or the
	// option and what it does ("-y (logging to syslog)").
	Feature string
}

func (e *UnsupportedError) Error() string {
	return e.Feature + " is not supported yet"
}

// dialTransport makes the byte stream the SSH handshake runs over: a TCP
// connection, a ProxyJump chain or a ProxyCommand's stdio, in the order
// of precedence readconf.c gives them (a ProxyJump clears ProxyCommand).
func dialTransport(ctx context.Context, cfg *config.Config, opts DialOptions) (net.Conn, error) {
	if opts.via != nil {
		// A later ProxyJump hop: ssh runs it as "ssh -J earlier -W ...",
		// whose -J overrides the hop's own ProxyJump and ProxyCommand.
		c, err := openDirect(opts.via, cfg.HostName, cfg.Port)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if cfg.ProxyJump != "" && cfg.ProxyJump != "none" {
		return dialJump(ctx, cfg, opts)
	}
	line, err := cfg.ProxyCommandLine()
	if err != nil {
		return nil, err
	}
	if line == "" {
		return dialTCP(ctx, cfg, opts.Log)
	}
	if cfg.ProxyUseFdpass {
		return nil, &UnsupportedError{Feature: "ProxyUseFdpass yes"}
	}
	return startProxyCommand(line, cfg, opts.Log)
}

// startProxyCommand runs ProxyCommand as sshconnect.c does, "exec CMD"
// under $SHELL (or /bin/sh), with the child's stdin and stdout as the
// connection and its stderr left on ours.
func startProxyCommand(line string, cfg *config.Config, log *sshlog.Logger) (net.Conn, error) {
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	log.Logf(config.LogDebug1, "Executing proxy command: exec %s", line)
	// Pipes from os.Pipe are non-blocking and registered with the runtime
	// poller, so read deadlines work: ConnectTimeout and cancellation of
	// the handshake rely on them.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("client: proxy command pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("client: proxy command pipe: %w", err)
	}
	cmd := exec.Command(shell, "-c", "exec "+line)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, os.Stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("client: proxy command %q: %w", line, err)
	}
	c := &commandConn{r: outR, w: inW, cmd: cmd, addr: proxyAddr(fmt.Sprintf("%s:%d", cfg.HostName, cfg.Port))}
	c.exited = make(chan struct{})
	crash.Go(func() {
		cmd.Wait()
		close(c.exited)
	})
	return c, nil
}

// proxyAddr names the far end of a connection that is not a socket of
// ours. Its network is not "tcp", so the handshake's messages fall back to
// the configured HostName.
type proxyAddr string

func (a proxyAddr) Network() string { return "proxy" }
func (a proxyAddr) String() string  { return string(a) }

// commandConn is a net.Conn over a proxy command's stdout (read) and
// stdin (write). Close ends the command: SIGHUP, as ssh sends it, then
// SIGKILL if it is still there a second later.
type commandConn struct {
	r, w   *os.File
	cmd    *exec.Cmd
	addr   net.Addr
	exited chan struct{}
	once   sync.Once
}

func (c *commandConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Write reports a command that exited (EPIPE) as a closed connection,
// which is what it is to the handshake.
func (c *commandConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if errors.Is(err, syscall.EPIPE) {
		err = fmt.Errorf("client: proxy command: %w", io.EOF)
	}
	return n, err
}

// CloseWrite closes the command's stdin only.
func (c *commandConn) CloseWrite() error { return c.w.Close() }

func (c *commandConn) Close() error {
	c.once.Do(func() {
		c.w.Close()
		c.r.Close()
		if c.cmd.Process == nil {
			return
		}
		select {
		case <-c.exited:
			return
		default:
		}
		c.cmd.Process.Signal(syscall.SIGHUP)
		select {
		case <-c.exited:
		case <-time.After(time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	})
	return nil
}

func (c *commandConn) LocalAddr() net.Addr  { return proxyAddr("proxy-command") }
func (c *commandConn) RemoteAddr() net.Addr { return c.addr }

func (c *commandConn) SetDeadline(t time.Time) error {
	return errors.Join(c.r.SetReadDeadline(t), c.w.SetWriteDeadline(t))
}

func (c *commandConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *commandConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }
