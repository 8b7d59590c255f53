package client

import (
	"bytes"
	"strings"
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
	h.ctl.term.lineMode()
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

// runCommandLine is OpenSSH 9.2's process_cmdline. Forwarding is not
// implemented yet, so the forwarding commands say so instead.
func (h *escapeHandler) runCommandLine(line string) {
	log := h.ctl.log
	s := strings.TrimLeft(line, " \t\v\f")
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return
	}
	switch s[0] {
	case 'h', 'H', '?':
		log.Logf(LevelInfo, "Commands:")
		log.Logf(LevelInfo, "      -L[bind_address:]port:host:hostport    Request local forward")
		log.Logf(LevelInfo, "      -R[bind_address:]port:host:hostport    Request remote forward")
		log.Logf(LevelInfo, "      -D[bind_address:]port                  Request dynamic forward")
		log.Logf(LevelInfo, "      -KL[bind_address:]port                 Cancel local forward")
		log.Logf(LevelInfo, "      -KR[bind_address:]port                 Cancel remote forward")
		log.Logf(LevelInfo, "      -KD[bind_address:]port                 Cancel dynamic forward")
		return
	}
	cmd := strings.TrimPrefix(s, "K")
	if cmd == "" || !strings.ContainsRune("LRD", rune(cmd[0])) {
		log.Logf(LevelInfo, "Invalid command.")
		return
	}
	log.Logf(LevelInfo, "-%s: port forwarding is not supported yet.", s[:len(s)-len(cmd)+1])
}
