package client

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

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
