package controlmaster

import (
	"context"

	"github.com/gssh/gssh/client"
)

// DialProxy is ssh -O proxy: it asks the master at ControlPath for proxy
// mode (MUX_C_PROXY) and returns a connection whose SSH connection
// protocol runs through the master, on which the caller runs its session
// and forwardings as on a direct connection. Errors are ErrNoControlPath
// and a *RequestError with ssh's message.
func DialProxy(ctx context.Context, opts Options) (*client.Conn, error) {
	return dialProxy(ctx, opts)
}
