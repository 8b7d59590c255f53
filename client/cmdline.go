package client

import (
	"bytes"

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

// readCommandLine collects the ssh> line from p, runs it (forward.Command)
// and returns the bytes after it, which go back to the session.
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
	forward.Command(h.ctl.ctx, h.opts.Forwarding, string(h.cmd), h.ctl.log)
	if t := h.ctl.term; t != nil {
		t.Restore()
		t.MakeRaw()
	}
	return p[end+1:]
}
