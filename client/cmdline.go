package client

import (
	"bytes"
	"errors"
	"strings"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/forward"
)

// cmdInterrupt is ^C, which reaches the ssh> line as a byte because line
// mode turns signals off. It throws away what was typed before it, as the
// kernel does for ssh, whose prompt ignores SIGINT.
const cmdInterrupt = 'C' - '@'

// openCommandLine is ~C with EnableEscapeCommandline: the terminal goes
// to line mode (cooked, so the kernel echoes and edits the line, but
// without signals, so ^C does not end the session) and the prompt is
// printed. The pump keeps feeding the filter, which collects the line in
// readCommandLine.
func (h *escapeHandler) openCommandLine() {
	h.ctl.term.LineMode()
	h.inCmd = true
	h.cmd = h.cmd[:0]
	h.ctl.say("\r\nssh> ")
}

// readCommandLine collects the ssh> line from p and returns the bytes
// after it, which go back to the session.
func (h *escapeHandler) readCommandLine(p []byte) []byte {
	end := bytes.IndexAny(p, "\r\n")
	line := p
	if end >= 0 {
		line = p[:end]
	}
	for _, b := range line {
		if b == cmdInterrupt {
			h.cmd = h.cmd[:0]
			continue
		}
		h.cmd = append(h.cmd, b)
	}
	if end < 0 {
		return nil
	}
	h.inCmd = false
	h.runCommandLine(string(h.cmd))
	if t := h.ctl.term; t != nil {
		t.Restore()
		t.MakeRaw()
	}
	return p[end+1:]
}

// runCommandLine is OpenSSH 9.2's process_cmdline: help, and adding or
// cancelling a forwarding with ssh's answers.
func (h *escapeHandler) runCommandLine(line string) {
	log := h.ctl.log
	s := strings.TrimLeft(line, cmdSpace)
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return
	}
	switch s[0] {
	case 'h', 'H', '?':
		log.Logf(config.LogInfo, "Commands:")
		log.Logf(config.LogInfo, "      -L[bind_address:]port:host:hostport    Request local forward")
		log.Logf(config.LogInfo, "      -R[bind_address:]port:host:hostport    Request remote forward")
		log.Logf(config.LogInfo, "      -D[bind_address:]port                  Request dynamic forward")
		log.Logf(config.LogInfo, "      -KL[bind_address:]port                 Cancel local forward")
		log.Logf(config.LogInfo, "      -KR[bind_address:]port                 Cancel remote forward")
		log.Logf(config.LogInfo, "      -KD[bind_address:]port                 Cancel dynamic forward")
		return
	}
	cancel := s[0] == 'K'
	if cancel {
		s = s[1:]
	}
	var kind config.ForwardKind
	switch {
	case strings.HasPrefix(s, "L"):
		kind = config.ForwardLocal
	case strings.HasPrefix(s, "R"):
		kind = config.ForwardRemote
	case strings.HasPrefix(s, "D"):
		kind = config.ForwardDynamic
	default:
		log.Logf(config.LogInfo, "Invalid command.")
		return
	}
	spec := strings.TrimLeft(s[1:], cmdSpace)
	if cancel {
		h.cancelForward(kind, spec)
		return
	}
	h.addForward(kind, spec)
}

// cmdSpace is what C's isspace skips on the ssh> line.
const cmdSpace = " \t\n\v\f\r"

// addForward is ~C -L, -R or -D. ssh sends a remote forwarding request
// and says "Forwarding port." before the server answers, whose answer
// ("Allocated port …", "Warning: remote port forwarding failed …")
// follows; gssh waits for that answer, in the same order.
func (h *escapeHandler) addForward(kind config.ForwardKind, spec string) {
	log := h.ctl.log
	// A -R spec may be dynamic or not: ParseForward tries both.
	fwd, ok := config.ParseForward(kind, spec)
	switch {
	case !ok && kind == config.ForwardRemote:
		log.Logf(config.LogInfo, "Bad remote forwarding specification.")
		return
	case !ok:
		log.Logf(config.LogInfo, "Bad local forwarding specification.")
		return
	}
	// As at start-up, -L to host "socks" is a -D and a -D to a path a -L;
	// ~C's -L and -D set up only their own kind.
	fwd = fwd.Canonical()
	f := h.opts.Forwarding
	if f == nil || fwd.Kind != kind {
		log.Logf(config.LogInfo, "Port forwarding failed.")
		return
	}
	if kind == config.ForwardRemote {
		log.Logf(config.LogInfo, "Forwarding port.")
		_, err := f.Add(h.ctl.ctx, fwd)
		var fe *forward.Error
		switch {
		case err == nil:
		case !errors.As(err, &fe):
			log.Logf(config.LogError, "%v", err)
		case h.ctl.conn.Config.ExitOnForwardFailure:
			// Add logged nothing. ssh's fatal() would end the
			// connection here; gssh keeps the session and says why the
			// forward is missing.
			log.Logf(config.LogError, "%s", fe.Error())
		}
		return
	}
	if _, err := f.Add(h.ctl.ctx, fwd); err != nil {
		log.Logf(config.LogInfo, "Port forwarding failed.")
		return
	}
	log.Logf(config.LogInfo, "Forwarding port.")
}

// cancelForward is ~C -KL, -KR or -KD; the spec has one or two fields,
// "[bind_address:]port" (or a socket path).
func (h *escapeHandler) cancelForward(kind config.ForwardKind, spec string) {
	log := h.ctl.log
	cancel, ok := config.ParseForward(config.ForwardDynamic, spec)
	if !ok {
		log.Logf(config.LogInfo, "Bad forwarding close specification.")
		return
	}
	f := h.opts.Forwarding
	if f == nil || f.Cancel(kind, cancel.Listen) != nil {
		log.Logf(config.LogInfo, "Unknown port forwarding.")
		return
	}
	log.Logf(config.LogInfo, "Canceled forwarding.")
}
