package controlmaster

import "errors"

// Command is ssh -O: it sends opts.ControlCommand (check, exit, stop,
// forward, cancel, or OpenSSH 10.3's conninfo and channels) to the master
// at ControlPath. The Reply holds what the master answered, also when
// -O forward failed part way. Errors are ErrNoControlPath, a
// *RequestError, or an *client.UnsupportedError.
func Command(opts Options) (Reply, error) { return command(opts) }

// Reply is a master's answer to a -O command.
type Reply struct {
	// PID is the master's process id (check).
	PID int
	// Output is what ssh prints on stdout: conninfo's and channels'
	// text, -O forward's allocated ports one per line.
	Output string
}

// ErrNoControlPath is -O without a ControlPath.
var ErrNoControlPath = errors.New(`No ControlPath specified for "-O" command`)

// RequestError is a -O command that failed: the control socket could not
// be reached, or the master refused or broke off. Msg is the message
// ssh's fatal() prints for it.
type RequestError struct {
	Msg string
	Err error
}

func (e *RequestError) Error() string { return e.Msg }

// Unwrap returns the cause, such as a *mux.ReplyError.
func (e *RequestError) Unwrap() error { return e.Err }
