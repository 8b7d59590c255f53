package client

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/gssh/gssh/client/config"
)

// Where the configured algorithm lists meet x/crypto/ssh. Ciphers, MACs
// and KexAlgorithms go to it as they are: it drops the names it does not
// implement after putting its defaults in for an empty list, so a list of
// only such names becomes an empty name-list in KEXINIT and the
// connection fails at negotiation with ssh's "Unable to negotiate"
// message. HostKeyAlgorithms, the signature algorithm of an RSA user key
// and RekeyLimit need the help below. docs/algorithms.md has the lists.

// hostKeyProposal is the HostKeyAlgorithms name-list for KEXINIT: the
// configured list without what x/crypto cannot verify (it would fail on
// the server's key with its own message rather than at negotiation).
// x/crypto sends its own defaults for an empty list, ssh-rsa included;
// one empty name is sent as the empty name-list instead, so that a list
// of only such names fails as ssh fails when nothing matches: "no
// matching host key type found".
func hostKeyProposal(list []string) []string {
	usable := config.UsableHostKeyAlgorithms(list)
	if len(usable) == 0 {
		return []string{""}
	}
	return usable
}

// withSignatureAlgorithms restricts an RSA key's signer to the signature
// algorithms PubkeyAcceptedAlgorithms (accepted) allows for it, in that
// list's order, as sshconnect2.c key_sig_algorithm picks one: the first
// entry the server's server-sig-algs also names. x/crypto on its own
// prefers rsa-sha2-256 whatever the configuration says, and so fails
// against a server that accepts only rsa-sha2-512 or ssh-rsa, where ssh
// logs in. Other key types have a single signature algorithm; their
// signers, and any signer when accepted is empty (a Config not from
// Resolve), are returned as they are.
func withSignatureAlgorithms(s ssh.Signer, accepted []string) ssh.Signer {
	as, ok := s.(ssh.AlgorithmSigner)
	if !ok || len(accepted) == 0 {
		return s
	}
	var suffix string
	switch s.PublicKey().Type() {
	case ssh.KeyAlgoRSA:
	case ssh.CertAlgoRSAv01:
		suffix = "-cert-v01@openssh.com"
	default:
		return s
	}
	var algos []string
	for _, entry := range accepted {
		for _, sig := range []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA} {
			if config.MatchPatternList(sig+suffix, entry) && !slices.Contains(algos, sig) {
				algos = append(algos, sig)
			}
		}
	}
	if len(algos) == 0 {
		return s // keyAllowed has left such a key out already
	}
	restricted, err := ssh.NewSignerWithAlgorithms(as, algos)
	if err != nil {
		return s
	}
	return restricted
}

// The rekey volumes x/crypto uses when RekeyThreshold is 0
// (DirectionAlgorithms.rekeyBytes): 2^32 blocks of 16 bytes for AES, and
// 1 GiB for the others, after RFC 4253. OpenSSH's defaults are the same
// (packet.c ssh_set_newkeys: 2^(2 x block size) blocks, or 2^30 bytes for
// 8-byte blocks and chacha20-poly1305).
const (
	aesRekeyBytes   = 16 << 32
	otherRekeyBytes = 1 << 30
)

// rekeyThreshold maps RekeyLimit's volume (bytes, 0 = the cipher's
// default) to x/crypto's Config.RekeyThreshold. Both count each direction
// on its own and start a key exchange when either passes the limit;
// OpenSSH counts whole packets (length, padding and payload), x/crypto
// only the payload, a few bytes per packet less, and x/crypto raises a
// threshold below 256 bytes to 256 (ssh accepts 16). OpenSSH keeps the
// smaller of the limit and the cipher's default, while x/crypto's
// threshold replaces that default; the cipher is not known before key
// exchange, so the limit is capped at the smallest default among the
// ciphers gssh offers.
func rekeyThreshold(cfg *config.Config) uint64 {
	if cfg.RekeyLimit <= 0 {
		return 0
	}
	ciphers := cfg.Ciphers
	if len(ciphers) == 0 {
		ciphers = ssh.SupportedAlgorithms().Ciphers
	}
	limit := min(cfg.RekeyLimit, aesRekeyBytes)
	if slices.ContainsFunc(ciphers, func(c string) bool { return !strings.HasPrefix(c, "aes") }) {
		limit = min(limit, otherRekeyBytes)
	}
	return uint64(limit)
}

// observedRekeyBytes is the volume x/crypto rekeys after, for the "rekey
// out after N blocks" line: rekeyThreshold, which x/crypto raises to its
// minimum of 256 bytes, or 0 for the cipher's default.
func observedRekeyBytes(cfg *config.Config) uint64 {
	t := rekeyThreshold(cfg)
	if t == 0 {
		return 0
	}
	return max(t, 256)
}

// NegotiationError reports that the server offered no algorithm of one
// kind that the client accepts: a server offering only ssh-rsa host keys
// to a client that, like OpenSSH 9.2 by default, does not. ssh prints it
// (packet.c sshpkt_vfatal) as "Unable to negotiate with ADDR port P: no
// matching host key type found. Their offer: ssh-rsa".
type NegotiationError struct {
	Addr string
	Port int
	// What is ssh's ssh_err() text for the kind: "no matching host key
	// type found", "no matching cipher found", ...
	What string
	// Offer is the server's list for that kind, as sent.
	Offer []string
	Err   error
}

func (e *NegotiationError) Error() string {
	// Offer comes from the server: cmd/gssh prints it through
	// termsafe.LogLine, as ssh's logdie() renders it.
	return fmt.Sprintf("Unable to negotiate with %s port %d: %s. Their offer: %s", e.Addr, e.Port, e.What, strings.Join(e.Offer, ","))
}

func (e *NegotiationError) Unwrap() error { return e.Err }

// negotiationError recognises x/crypto's AlgorithmNegotiationError and
// names its kind as OpenSSH's ssherr.c does.
func negotiationError(err error, addr string, port int) (*NegotiationError, bool) {
	var ne *ssh.AlgorithmNegotiationError
	if !errors.As(err, &ne) {
		return nil, false
	}
	what := "no matching " + ne.What + " found"
	switch {
	case ne.What == "key exchange":
		what = "no matching key exchange method found"
	case ne.What == "host key":
		what = "no matching host key type found"
	case strings.HasSuffix(ne.What, " cipher"):
		what = "no matching cipher found"
	case strings.HasSuffix(ne.What, " MAC"):
		what = "no matching MAC found"
	case strings.HasSuffix(ne.What, " compression"):
		what = "no matching compression method found"
	}
	return &NegotiationError{Addr: addr, Port: port, What: what, Offer: ne.RequestedAlgorithms, Err: err}, true
}
