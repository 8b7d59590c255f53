package kexlog

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
)

// Message numbers of the clear-text part of the transport (RFC 4253,
// RFC 4419, RFC 5656).
const (
	msgKexInit      = 20
	msgNewKeys      = 21
	msgKexDHInit    = 30 // also SSH2_MSG_KEX_ECDH_INIT and the hybrid KEM's init
	msgKexDHReply   = 31 // also SSH2_MSG_KEX_ECDH_REPLY and SSH2_MSG_KEX_DH_GEX_GROUP
	msgKexGexInit   = 32
	msgKexGexReply  = 33
	msgKexGexReqest = 34
)

// proposalNames are kex.c's proposal_names, in the KEXINIT order, as ssh
// -vv prints each list.
var proposalNames = [10]string{
	"KEX algorithms", "host key algorithms",
	"ciphers ctos", "ciphers stoc",
	"MACs ctos", "MACs stoc",
	"compression ctos", "compression stoc",
	"languages ctos", "languages stoc",
}

// KexInit is an SSH_MSG_KEXINIT (RFC 4253 §7.1) without its cookie.
type KexInit struct {
	// Lists are the ten name-lists in the order of proposalNames, each as
	// sent (comma-separated).
	Lists           [10]string
	FirstKexFollows bool
	Reserved        uint32
}

// Names returns list i split at commas; an empty list has no names.
func (k *KexInit) Names(i int) []string {
	if k.Lists[i] == "" {
		return nil
	}
	return strings.Split(k.Lists[i], ",")
}

var errShort = errors.New("kexlog: KEXINIT truncated")

// ParseKexInit decodes an SSH_MSG_KEXINIT payload (message number
// included). Bytes after the reserved field are ignored, as RFC 4253
// allows no extension there but a parser of someone else's packets must
// not fail on them.
func ParseKexInit(payload []byte) (*KexInit, error) {
	if len(payload) < 1 || payload[0] != msgKexInit {
		return nil, errors.New("kexlog: not a KEXINIT")
	}
	p := payload[1:]
	if len(p) < 16 {
		return nil, errShort
	}
	p = p[16:] // cookie
	k := &KexInit{}
	for i := range k.Lists {
		if len(p) < 4 {
			return nil, errShort
		}
		n := binary.BigEndian.Uint32(p)
		p = p[4:]
		if uint64(n) > uint64(len(p)) {
			return nil, errShort
		}
		k.Lists[i] = string(p[:n])
		p = p[n:]
	}
	if len(p) < 5 {
		return nil, errShort
	}
	k.FirstKexFollows = p[0] != 0
	k.Reserved = binary.BigEndian.Uint32(p[1:])
	return k, nil
}

// MarshalKexInit encodes k with a zero cookie, for tests and fuzzing.
func MarshalKexInit(k *KexInit) []byte {
	b := make([]byte, 17, 256)
	b[0] = msgKexInit
	for _, l := range k.Lists {
		b = binary.BigEndian.AppendUint32(b, uint32(len(l)))
		b = append(b, l...)
	}
	if k.FirstKexFollows {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return binary.BigEndian.AppendUint32(b, k.Reserved)
}

// Direction is one direction's negotiated cipher, MAC and compression.
type Direction struct {
	Cipher, MAC, Compression string
}

// Algorithms is the outcome of a negotiation, in OpenSSH's words: a kind
// with no common name is "(no match)" (kex.c logs it so before failing).
type Algorithms struct {
	Kex, HostKey   string
	ClientToServer Direction
	ServerToClient Direction
	// Strict is set when both sides offered strict key exchange
	// (kex-strict-c-v00@openssh.com and kex-strict-s-v00@openssh.com),
	// which resets the sequence numbers at NEWKEYS.
	Strict bool
}

const noMatch = "(no match)"

// Negotiate computes the algorithms a client and a server agree on from
// their KEXINITs, as RFC 4253 §7.1 defines (and kex.c's match_list and
// x/crypto's findCommon implement): for each kind, the first name in the
// client's list that the server's list also has.
func Negotiate(client, server *KexInit) Algorithms {
	pick := func(i int) string {
		theirs := server.Names(i)
		for _, name := range client.Names(i) {
			if slices.Contains(theirs, name) {
				return name
			}
		}
		return noMatch
	}
	dir := func(cipher, mac, comp int) Direction {
		d := Direction{Cipher: pick(cipher), MAC: pick(mac), Compression: pick(comp)}
		if aead(d.Cipher) {
			d.MAC = "<implicit>"
		}
		return d
	}
	return Algorithms{
		Kex:            pick(0),
		HostKey:        pick(1),
		ClientToServer: dir(2, 4, 6),
		ServerToClient: dir(3, 5, 7),
		Strict: slices.Contains(client.Names(0), "kex-strict-c-v00@openssh.com") &&
			slices.Contains(server.Names(0), "kex-strict-s-v00@openssh.com"),
	}
}

// aead reports whether a cipher authenticates its packets itself, so that
// no MAC is negotiated for it (OpenSSH's authlen != 0: "MAC: <implicit>").
func aead(cipher string) bool {
	switch cipher {
	case "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com":
		return true
	}
	return false
}

// blockSize is the cipher's block size as OpenSSH's cipher.c gives it,
// which sets the unit of its rekey limit; 0 for an unknown cipher.
func blockSize(cipher string) uint64 {
	switch {
	case strings.HasPrefix(cipher, "aes"):
		return 16
	case cipher == "chacha20-poly1305@openssh.com", cipher == "3des-cbc", strings.HasPrefix(cipher, "arcfour"):
		return 8
	}
	return 0
}

// gex reports whether kex is a Diffie-Hellman group exchange (RFC 4419),
// whose messages ssh logs under their own names.
func gex(kex string) bool {
	return strings.HasPrefix(kex, "diffie-hellman-group-exchange-")
}
