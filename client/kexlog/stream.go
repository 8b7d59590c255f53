package kexlog

import (
	"bytes"
	"encoding/binary"
)

// Limits past which a stream stops being parsed: the identification
// line's length OpenSSH accepts (sshd's and ssh's 8 KiB buffer; RFC 4253
// says 255) and x/crypto's largest packet. A peer that exceeds them will
// fail the handshake anyway; the observer just stops logging.
const (
	maxLine   = 8192
	maxPacket = 256 << 10
)

// event is something a stream saw, in wire order.
type event struct {
	kind    eventKind
	text    string // the line, for evLine and evVersion
	payload []byte // for evPacket
	seq     int    // the packet's sequence number, for evPacket
}

type eventKind int

const (
	evLine    eventKind = iota // a line before the version (server only)
	evVersion                  // the "SSH-..." identification line
	evPacket                   // a clear-text binary packet's payload
)

// stream parses one direction of a connection from its first byte to the
// first SSH_MSG_NEWKEYS, after which everything is encrypted: the
// identification line (and the lines a server may send before it), then
// the binary packets of RFC 4253 §6 without MAC.
type stream struct {
	phase phase
	buf   []byte
	seq   int // packets seen so far
}

type phase int

const (
	phaseLines phase = iota
	phasePackets
	phaseDone
)

// feed takes the next bytes of the direction and returns the complete
// events they finish.
func (s *stream) feed(p []byte) []event {
	if s.phase == phaseDone {
		return nil
	}
	s.buf = append(s.buf, p...)
	var evs []event
	for s.phase != phaseDone {
		ev, ok := s.next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	if s.phase == phaseDone {
		s.buf = nil
	}
	return evs
}

// next takes one event off the buffer, if it holds a whole one.
func (s *stream) next() (event, bool) {
	switch s.phase {
	case phaseLines:
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			if len(s.buf) > maxLine {
				s.phase = phaseDone
			}
			return event{}, false
		}
		line := string(bytes.TrimSuffix(s.buf[:i], []byte("\r")))
		s.buf = s.buf[i+1:]
		if len(line) > maxLine {
			s.phase = phaseDone
			return event{}, false
		}
		if len(line) >= 4 && line[:4] == "SSH-" {
			s.phase = phasePackets
			return event{kind: evVersion, text: line}, true
		}
		return event{kind: evLine, text: line}, true
	case phasePackets:
		if len(s.buf) < 4 {
			return event{}, false
		}
		n := binary.BigEndian.Uint32(s.buf)
		if n < 5 || n > maxPacket {
			s.phase = phaseDone
			return event{}, false
		}
		if uint64(len(s.buf)-4) < uint64(n) {
			return event{}, false
		}
		body := s.buf[4 : 4+n]
		pad := int(body[0])
		if pad+1 >= len(body) {
			s.phase = phaseDone
			return event{}, false
		}
		payload := bytes.Clone(body[1 : len(body)-pad])
		s.buf = s.buf[4+n:]
		ev := event{kind: evPacket, payload: payload, seq: s.seq}
		s.seq++
		if payload[0] == msgNewKeys {
			s.phase = phaseDone
		}
		return ev, true
	}
	return event{}, false
}
