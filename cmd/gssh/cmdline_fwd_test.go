//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gssh/gssh/internal/sshdtest"
)

// cmdline types one ~C command on p's terminal and waits for one more
// want on the screen than there was before.
func (p *ptySession) cmdline(line, want string) {
	p.t.Helper()
	screen := p.screen()
	prompts, wants := strings.Count(screen, "ssh> "), strings.Count(screen, want)
	p.typeKeys("\r~C")
	p.waitForCount("ssh> ", prompts+1, 10*time.Second)
	p.typeText(line + "\r")
	p.waitForCount(want, wants+1, 10*time.Second)
}

// TestEscapeCommandLineForwards adds and cancels forwardings from the
// ssh> prompt of an interactive session in a real pty, with ssh's
// answers: -L and -D work until -KL and -KD close their listeners, -R 0
// prints the allocated port, which serves until -KR withdraws it; unknown
// cancels and refused listeners are answered as ssh answers them.
func TestEscapeCommandLineForwards(t *testing.T) {
	s := sshdtest.Start(t, sshdtest.Options{})
	web := fwdHTTP(t)
	webAddr := web.Listener.Addr().String()
	p := startPty(t, 24, 200, "-o", "EnableEscapeCommandline=yes", "-F", s.ClientConfig, "sshd")
	p.ready()
	dialable := func(addr string) bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}

	lport := freeLocalPort(t)
	local := net.JoinHostPort("127.0.0.1", strconv.Itoa(lport))
	p.cmdline(fmt.Sprintf("-L %d:%s", lport, webAddr), "Forwarding port.\r")
	if got := fetch(t, "http://"+local+"/", dialTo("tcp", local)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("~C -L: got %d bytes, want %d", len(got), len(fwdPage))
	}
	// The same port again: ssh's bind messages, then its answer.
	p.cmdline(fmt.Sprintf("-L127.0.0.1:%d:%s", lport, webAddr), "Port forwarding failed.\r")
	if !bytes.Contains([]byte(p.screen()), []byte(fmt.Sprintf("bind [127.0.0.1]:%d: Address already in use\r", lport))) {
		t.Errorf("no bind message for a busy port:\n%q", p.screen())
	}

	dport := freeLocalPort(t)
	p.cmdline(fmt.Sprintf("-D %d", dport), "Forwarding port.\r")
	if got := curl(t, "--socks5-hostname", net.JoinHostPort("127.0.0.1", strconv.Itoa(dport)), "http://"+webAddr+"/"); !bytes.Equal(got, fwdPage) {
		t.Fatalf("~C -D: got %d bytes, want %d", len(got), len(fwdPage))
	}

	// The screen only grows: what follows this offset is the -R's. The
	// remote shell's output (its prompt after cmdline's \r) may come
	// anywhere in it, even between "ssh> " and the echoed command.
	before := len(p.screen())
	p.cmdline("-R 0:"+webAddr, "Allocated port ")
	p.waitFor(" for remote forward to "+webAddr+"\r", 10*time.Second)
	last := p.screen()[before:]
	m := regexp.MustCompile(`Allocated port (\d+) for remote`).FindStringSubmatch(last)
	if fwd := strings.Index(last, "Forwarding port."); m == nil || fwd < 0 || fwd > strings.Index(last, "Allocated port") {
		t.Fatalf("~C -R 0: no \"Forwarding port.\" then \"Allocated port\":\n%q", p.screen())
	}
	remote := net.JoinHostPort("127.0.0.1", m[1])
	if got := fetch(t, "http://"+remote+"/", dialTo("tcp", remote)); !bytes.Equal(got, fwdPage) {
		t.Fatalf("~C -R: got %d bytes, want %d", len(got), len(fwdPage))
	}

	p.cmdline(fmt.Sprintf("-KL %d", lport), "Canceled forwarding.\r")
	p.cmdline(fmt.Sprintf("-KD%d", dport), "Canceled forwarding.\r")
	p.cmdline("-KR "+m[1], "Canceled forwarding.\r")
	if !eventually(10*time.Second, func() bool {
		return !dialable(local) && !dialable(net.JoinHostPort("127.0.0.1", strconv.Itoa(dport))) && !dialable(remote)
	}) {
		t.Fatal("a cancelled forwarding still accepts connections")
	}
	p.cmdline(fmt.Sprintf("-KL %d", lport), "Unknown port forwarding.\r")

	p.typeText("echo STILL''HERE\r")
	p.waitFor("STILLHERE", 10*time.Second)
	p.typeText("exit\r")
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p.assertTermiosRestored()
}
