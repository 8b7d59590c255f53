package controlmaster

import (
	"context"
	"errors"
)

// Run is what multiplexing does before gssh connects on its own, in the
// order of ssh.c and mux.c's muxclient: use an existing master for this
// session, or start a background master (ControlPersist, -f -N -M) whose
// passenger this process becomes. status is the remote command's exit
// status. ErrConnectDirectly means: connect directly (no ControlPath, no
// usable master, or a foreground master's role). The other errors end
// the run: *PassengerError, *TimeoutError, *EndedError, *SpawnError,
// *MasterFailedError, *client.UnsupportedError, and mux's *ListenPathError and
// *PathTooLongError, which ssh prints as they are.
func Run(ctx context.Context, opts Options) (status int, err error) { return run(ctx, opts) }

// ErrConnectDirectly tells the caller that no master takes this session:
// gssh connects on its own, and becomes the master if the configuration
// says so (Start).
var ErrConnectDirectly = errors.New("controlmaster: no master for this session; connect directly")

// PassengerError is a failure ssh logs with error() before it exits
// 255: a new background master that cannot be reached, a stdio forward
// the master refused, descriptors that cannot be passed, a session that
// failed once open. Its text is ssh's message.
type PassengerError struct{ Err error }

func (e *PassengerError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *PassengerError) Unwrap() error { return e.Err }

// TimeoutError reports that --timeout (the context's deadline) ended the
// passenger; What says what became of the session ("session not
// started", or how the remote command was stopped).
type TimeoutError struct{ What string }

func (e *TimeoutError) Error() string { return "timeout: " + e.What }

// EndedError reports a passenger session that ended without the remote
// command's exit status: a signal ended it, or the master closed the
// connection without one. ssh exits 255 and says no more than it has
// logged.
type EndedError struct{ Err error }

func (e *EndedError) Error() string { return "session ended: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *EndedError) Unwrap() error { return e.Err }

// SpawnError reports that the background master could not be started.
type SpawnError struct{ Err error }

func (e *SpawnError) Error() string { return "start control master: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *SpawnError) Unwrap() error { return e.Err }

// MasterFailedError reports a background master that failed to connect;
// Messages are what it printed, ready to be written as they are.
type MasterFailedError struct{ Messages string }

func (e *MasterFailedError) Error() string { return "control master failed: " + e.Messages }
