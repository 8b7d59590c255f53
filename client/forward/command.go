package forward

import (
	"context"
	"errors"
	"strings"

	"github.com/gssh/gssh/client/config"
	"github.com/gssh/gssh/client/sshlog"
)

// Command runs one line of ssh's ~C command line, OpenSSH 9.2's
// process_cmdline: help, and adding (-L, -R, -D) or cancelling (-KL,
// -KR, -KD) a forwarding on f, answered on log in ssh's words. With a nil
// f every request answers "Port forwarding failed." or "Unknown port
// forwarding.".
func Command(ctx context.Context, f *Forwarding, line string, log *sshlog.Logger) {
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
		cancelCommand(f, kind, spec, log)
		return
	}
	addCommand(ctx, f, kind, spec, log)
}

// cmdSpace is what C's isspace skips on the ssh> line.
const cmdSpace = " \t\n\v\f\r"

// addCommand is ~C -L, -R or -D. ssh sends a remote forwarding request
// and says "Forwarding port." before the server answers, whose answer
// ("Allocated port …", "Warning: remote port forwarding failed …")
// follows; gssh waits for that answer, in the same order.
func addCommand(ctx context.Context, f *Forwarding, kind config.ForwardKind, spec string, log *sshlog.Logger) {
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
	if f == nil || fwd.Kind != kind {
		log.Logf(config.LogInfo, "Port forwarding failed.")
		return
	}
	if kind == config.ForwardRemote {
		log.Logf(config.LogInfo, "Forwarding port.")
		_, err := f.Add(ctx, fwd)
		var fe *Error
		switch {
		case err == nil:
		case !errors.As(err, &fe):
			log.Logf(config.LogError, "%v", err)
		case f.cfg.ExitOnForwardFailure:
			// Add logged nothing. ssh's fatal() would end the
			// connection here; gssh keeps the session and says why the
			// forward is missing.
			log.Logf(config.LogError, "%s", fe.Error())
		}
		return
	}
	if _, err := f.Add(ctx, fwd); err != nil {
		log.Logf(config.LogInfo, "Port forwarding failed.")
		return
	}
	log.Logf(config.LogInfo, "Forwarding port.")
}

// cancelCommand is ~C -KL, -KR or -KD; the spec has one or two fields,
// "[bind_address:]port" (or a socket path).
func cancelCommand(f *Forwarding, kind config.ForwardKind, spec string, log *sshlog.Logger) {
	cancel, ok := config.ParseForward(config.ForwardDynamic, spec)
	if !ok {
		log.Logf(config.LogInfo, "Bad forwarding close specification.")
		return
	}
	if f == nil || f.Cancel(kind, cancel.Listen) != nil {
		log.Logf(config.LogInfo, "Unknown port forwarding.")
		return
	}
	log.Logf(config.LogInfo, "Canceled forwarding.")
}
