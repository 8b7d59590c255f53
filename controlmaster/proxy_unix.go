//go:build unix

package controlmaster

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"

	"github.com/gssh/gssh/client"
	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/internal/crash"
	"github.com/gssh/gssh/mux"
	"github.com/gssh/gssh/mux/proxy"
)

// A proxy client's packets reach its master's server unchanged but for
// channel numbers (mux/proxy's package comment), so both roles come down
// to joining channels: the master joins each channel a proxy client opens
// to a channel of its own SSH connection; the passenger runs x/crypto's
// client against an in-process SSH server whose channels it joins to the
// master's. Either way relay carries data, extended data, EOF, requests
// and CLOSE between the two halves of a channel.

// channelEnd is one half of a joined channel: an ssh.Channel or a
// *proxy.Channel.
type channelEnd interface {
	io.ReadWriteCloser
	CloseWrite() error
	SendRequest(name string, wantReply bool, payload []byte) (bool, error)
	Stderr() io.ReadWriter
}

// request is a channel request from either side.
type request struct {
	name    string
	want    bool
	payload []byte
	reply   func(ok bool)
}

func sshRequests(in <-chan *ssh.Request) <-chan request {
	out := make(chan request)
	crash.Go(func() {
		defer close(out)
		for r := range in {
			out <- request{r.Type, r.WantReply, r.Payload, func(ok bool) { r.Reply(ok, nil) }}
		}
	})
	return out
}

func proxyRequests(in <-chan *proxy.Request) <-chan request {
	out := make(chan request)
	crash.Go(func() {
		defer close(out)
		for r := range in {
			out <- request{r.Type, r.WantReply, r.Payload, func(ok bool) { r.Reply(ok, nil) }}
		}
	})
	return out
}

// relay joins a and b until both have closed: what one side's peer sends
// goes to the other side's peer, EOF after the data, CLOSE after the
// requests and data that came before it.
func relay(a, b channelEnd, aReqs, bReqs <-chan request) {
	var wg sync.WaitGroup
	wg.Add(2)
	crash.Go(func() { defer wg.Done(); oneWay(a, b, aReqs) })
	crash.Go(func() { defer wg.Done(); oneWay(b, a, bReqs) })
	wg.Wait()
}

// oneWay carries from's data and requests to to, then closes to once
// from's peer has closed.
func oneWay(from, to channelEnd, reqs <-chan request) {
	var data sync.WaitGroup
	data.Add(2)
	crash.Go(func() { defer data.Done(); io.Copy(to, from) })
	crash.Go(func() { defer data.Done(); io.Copy(to.Stderr(), from.Stderr()) })
	copied := make(chan struct{})
	crash.Go(func() {
		data.Wait()
		to.CloseWrite()
		close(copied)
	})
	for r := range reqs {
		ok, _ := to.SendRequest(r.name, r.want, r.payload)
		if r.want {
			r.reply(ok)
		}
	}
	// from's peer closed: its data ends at EOF, and once it is across,
	// so does the channel.
	<-copied
	to.Close()
}

// openFailure maps an error from opening the far half to the reason the
// near half is refused with.
func openFailure(err error) (uint32, string) {
	var x *ssh.OpenChannelError
	var p *proxy.OpenChannelError
	switch {
	case errors.As(err, &x):
		return uint32(x.Reason), x.Message
	case errors.As(err, &p):
		return p.Reason, p.Message
	}
	return uint32(ssh.ConnectionFailed), err.Error()
}

// Proxy serves one proxy client (ssh -O proxy) of a gssh master: each
// channel it opens is opened on the master's connection and joined to it.
// The client's global requests are refused, tcpip-forward included: a
// gssh master routes no server-opened channel to a proxy client.
func (b *backend) Proxy(ctx context.Context, conn net.Conn) error {
	pc := proxy.NewConn(conn, proxy.Options{Go: crash.Go})
	stop := context.AfterFunc(ctx, func() {
		defer crash.Recover()
		pc.Close()
	})
	defer stop()
	crash.Go(func() {
		for r := range pc.Requests() {
			r.Reply(false, nil)
		}
	})
	var channels sync.WaitGroup
	for nc := range pc.Incoming() {
		channels.Add(1)
		crash.Go(func() {
			defer channels.Done()
			xch, xreqs, err := b.conn.Client.OpenChannel(nc.ChannelType(), nc.ExtraData())
			if err != nil {
				nc.Reject(openFailure(err))
				return
			}
			pch, preqs, err := nc.Accept()
			if err != nil {
				xch.Close()
				return
			}
			relay(pch, xch, proxyRequests(preqs), sshRequests(xreqs))
		})
	}
	pc.Close()
	channels.Wait()
	return pc.Wait()
}

// dialProxy is DialProxy on Unix.
func dialProxy(ctx context.Context, opts Options) (*client.Conn, error) {
	cfg, path := opts.Config, opts.Config.ControlPath
	if path == "" {
		return nil, ErrNoControlPath
	}
	fatal := func(err error, format string, args ...any) error {
		return &RequestError{Msg: fmt.Sprintf(format, args...), Err: err}
	}
	c, err := mux.Dial(path)
	var long *mux.PathTooLongError
	var dialErr *mux.DialError
	switch {
	case errors.As(err, &long):
		return nil, fatal(err, "%s", long.Error())
	case errors.As(err, &dialErr):
		return nil, fatal(err, "Control socket connect(%.100s): %s", path, config.Strerror(dialErr.Err))
	case err != nil:
		return nil, fatal(err, "muxclient: master hello exchange failed")
	}
	sock, err := c.Proxy()
	var refused *mux.ReplyError
	switch {
	case errors.As(err, &refused):
		c.Close()
		return nil, fatal(err, "mux_client_proxy: master returned error: %s", refused.Reason)
	case err != nil:
		c.Close()
		return nil, fatal(err, "mux_client_proxy: %v", err)
	}
	pc := proxy.NewConn(sock, proxy.Options{Go: crash.Go})
	// A gssh master answers a proxy client's global requests; OpenSSH's
	// passes tcpip-forward to its server and drops the answer.
	answers := c.Has(mux.ExtSignal)
	local, err := localSSH(ctx, cfg, pc, answers)
	if err != nil {
		pc.Close()
		return nil, fatal(err, "mux_client_proxy: %v", err)
	}
	return &client.Conn{Client: local, Config: cfg}, nil
}

// localSSH starts an SSH server in this process whose channels and
// global requests are joined to pc, and returns x/crypto's client
// connected to it: the session, forwarding and escape code of a direct
// connection then runs unchanged over the master. The server's host key
// is made afresh and the client accepts only it; nothing leaves the
// process but what goes through pc.
func localSSH(ctx context.Context, cfg *config.Config, pc *proxy.Conn, answers bool) (*ssh.Client, error) {
	// Not every Unix has SOCK_CLOEXEC: close-on-exec is set under
	// ForkLock, as the standard library does, so that no command
	// started meanwhile inherits the pair.
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	clientEnd, err := fileConn(fds[0], "proxy client")
	if err != nil {
		unix.Close(fds[1])
		return nil, err
	}
	serverEnd, err := fileConn(fds[1], "proxy server")
	if err != nil {
		clientEnd.Close()
		return nil, err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, err
	}
	scfg := &ssh.ServerConfig{NoClientAuth: true}
	scfg.AddHostKey(signer)
	crash.Go(func() { serveLocal(serverEnd, scfg, pc, answers) })
	stop := context.AfterFunc(ctx, func() {
		defer crash.Recover()
		clientEnd.Close()
	})
	defer stop()
	conn, chans, reqs, err := ssh.NewClientConn(clientEnd, "mux-proxy", &ssh.ClientConfig{
		User:            cfg.User,
		HostKeyCallback: ssh.FixedHostKey(signer.PublicKey()),
	})
	if err != nil {
		clientEnd.Close()
		return nil, err
	}
	return ssh.NewClient(conn, chans, reqs), nil
}

func fileConn(fd int, name string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	return net.FileConn(f)
}

// serveLocal is the in-process server's side: the local client's
// channels and global requests go to the master through pc, the master's
// channel opens (forwarded-tcpip for the client's -R) come back to the
// local client. It ends when either connection does, and closes both.
//
// The master answers tcpip-forward only when answers is set (a gssh
// master). An OpenSSH master sends the request on and lets the server's
// answer go (clientloop.c takes it for one of its own), as ssh's own
// proxy client never notices, since it does not wait for it: the request
// then goes without asking for an answer, and the local client is told
// yes, except for a listen port of 0, whose allocated port it could never
// learn and which is refused.
func serveLocal(conn net.Conn, scfg *ssh.ServerConfig, pc *proxy.Conn, answers bool) {
	sconn, chans, reqs, err := ssh.NewServerConn(conn, scfg)
	if err != nil {
		conn.Close()
		pc.Close()
		return
	}
	crash.Go(func() {
		pc.Wait()
		sconn.Close()
	})
	crash.Go(func() {
		for r := range reqs {
			// An OpenSSH master drops a proxy client for any global
			// request but tcpip-forward (channel_proxy_downstream):
			// the others (keepalives, cancel-tcpip-forward) are
			// answered here.
			switch {
			case r.Type != "tcpip-forward":
				r.Reply(false, nil)
			case answers:
				ok, data, _ := pc.SendRequest(r.Type, r.WantReply, r.Payload)
				r.Reply(ok, data)
			case forwardPort(r.Payload) == 0:
				r.Reply(false, nil)
			default:
				_, _, err := pc.SendRequest(r.Type, false, r.Payload)
				r.Reply(err == nil, nil)
			}
		}
	})
	crash.Go(func() {
		for nc := range pc.Incoming() {
			crash.Go(func() {
				xch, xreqs, err := sconn.OpenChannel(nc.ChannelType(), nc.ExtraData())
				if err != nil {
					nc.Reject(openFailure(err))
					return
				}
				pch, preqs, err := nc.Accept()
				if err != nil {
					xch.Close()
					return
				}
				relay(pch, xch, proxyRequests(preqs), sshRequests(xreqs))
			})
		}
	})
	crash.Go(func() {
		for r := range pc.Requests() {
			r.Reply(false, nil)
		}
	})
	for nc := range chans {
		crash.Go(func() {
			pch, preqs, err := pc.OpenChannel(nc.ChannelType(), nc.ExtraData())
			if err != nil {
				reason, msg := openFailure(err)
				nc.Reject(ssh.RejectionReason(reason), msg)
				return
			}
			xch, xreqs, err := nc.Accept()
			if err != nil {
				pch.Close()
				return
			}
			relay(xch, pch, sshRequests(xreqs), proxyRequests(preqs))
		})
	}
	sconn.Close()
	pc.Close()
}

// forwardPort is the listen port of a tcpip-forward request (RFC 4254
// §7.1: string address, uint32 port), or 0 when it is malformed.
func forwardPort(payload []byte) uint32 {
	if len(payload) < 4 {
		return 0
	}
	n := binary.BigEndian.Uint32(payload)
	if uint64(len(payload)) < 4+uint64(n)+4 {
		return 0
	}
	return binary.BigEndian.Uint32(payload[4+n:])
}
