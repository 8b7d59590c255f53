//go:build linux

package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// idleClients is how many silent local connections the starvation tests
// open before the real request (issue 11's acceptance figure).
const idleClients = 100

// TestIdleLocalConnectionsDoNotStarve: a -D or -L port that holds 100
// local connections which never send a byte still serves a real client
// (a SOCKS5 CONNECT, or a plain connection) in under a second, as ssh
// does. Each is tried with ssh and gssh as the client, and through a
// master of each (-O forward), whose listeners are the same code.
func TestIdleLocalConnectionsDoNotStarve(t *testing.T) {
	target := holdingGreeter(t)
	for _, prog := range []string{sshBin, gsshBin} {
		t.Run(filepath.Base(prog), func(t *testing.T) {
			s := sshdtest.Start(t, sshdtest.Options{})
			for _, kind := range []string{"-D", "-L"} {
				for _, via := range []string{"direct", "master"} {
					t.Run(kind+" "+via, func(t *testing.T) {
						port := freeLocalPort(t)
						spec := strconv.Itoa(port)
						if kind == "-L" {
							spec += ":" + target
						}
						if via == "direct" {
							p := startFwdWith(t, prog, "-F", s.ClientConfig, "-N", kind, spec, "sshd")
							p.waitDial(t, "tcp", localAddr(port))
						} else {
							sock := filepath.Join(muxDir(t), "ctl")
							startMasterWith(t, prog, s, sock)
							r := runClient(t, prog, nil, nil, "-F", s.ClientConfig, "-S", sock, "-O", "forward", kind, spec, "sshd")
							if r.code != 0 {
								t.Fatalf("-O forward %s %s: exit %d, stderr %q", kind, spec, r.code, r.stderr)
							}
						}
						for i := 0; i < idleClients; i++ {
							c, err := net.Dial("tcp", localAddr(port))
							if err != nil {
								t.Fatalf("idle connection %d: %v", i, err)
							}
							t.Cleanup(func() { c.Close() })
						}
						start := time.Now()
						var err error
						if kind == "-D" {
							err = socks5Greeting(localAddr(port), target, time.Second)
						} else {
							err = plainGreeting(localAddr(port), time.Second)
						}
						if err != nil {
							t.Fatalf("real client after %d idle ones: %v (after %v)", idleClients, err, time.Since(start).Round(time.Millisecond))
						}
					})
				}
			}
		})
	}
}

func localAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// holdingGreeter starts a loopback server that writes "hello\n" to every
// connection and holds it until the client leaves; it returns its
// address.
func holdingGreeter(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "hello\n")
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return l.Addr().String()
}

// plainGreeting connects to addr and expects the greeter's line within
// limit.
func plainGreeting(addr string, limit time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	return expectHello(bufio.NewReader(c))
}

// socks5Greeting asks the SOCKS5 proxy at proxy for a CONNECT to target
// (an IPv4 address) and expects success and then the greeter's line, all
// within limit.
func socks5Greeting(proxy, target string, limit time.Duration) error {
	c, err := net.DialTimeout("tcp", proxy, limit)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	host, portText, _ := net.SplitHostPort(target)
	port, _ := strconv.Atoi(portText)
	req := []byte{5, 1, 0, 5, 1, 0, 1}
	req = append(req, net.ParseIP(host).To4()...)
	req = binary.BigEndian.AppendUint16(req, uint16(port))
	if _, err := c.Write(req); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	reply := make([]byte, 2+10)
	if _, err := io.ReadFull(r, reply); err != nil {
		return fmt.Errorf("socks5 reply: %w", err)
	}
	if reply[0] != 5 || reply[1] != 0 || reply[3] != 0 {
		return fmt.Errorf("socks5 reply %v, want method 0 and success", reply)
	}
	return expectHello(r)
}

func expectHello(r *bufio.Reader) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if line != "hello\n" {
		return fmt.Errorf("greeting %q, want \"hello\\n\"", line)
	}
	return nil
}
