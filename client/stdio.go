package client

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/gssh/gssh/internal/crash"
)

// StdioForward is -W host:port: a direct-tcpip channel to target, fed
// from st.Stdin and copied to st.Stdout, with no session. Local EOF is
// passed on as EOF on the channel; the forward ends when the channel
// does (the far side closed) or the connection dies, and ends with nil
// then, as ssh exits 0. A channel the server refuses gives a
// *StdioForwardError.
func (c *Conn) StdioForward(ctx context.Context, target string, st Streams) error {
	host, portStr, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("client: -W %s: %w", target, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return fmt.Errorf("client: -W %s: bad port", target)
	}
	conn, err := openDirect(c, host, port)
	if err != nil {
		return err
	}
	ch := conn.Channel // not conn: closing that would close c, the caller's
	defer ch.Close()

	if st.Stdin != nil {
		crash.Go(func() {
			io.Copy(ch, st.Stdin)
			ch.CloseWrite()
		})
	} else {
		ch.CloseWrite()
	}
	out := st.Stdout
	if out == nil {
		out = io.Discard
	}
	copied := make(chan error, 1)
	crash.Go(func() {
		_, err := io.Copy(out, ch)
		copied <- err
	})
	select {
	case err := <-copied:
		if err != nil {
			return fmt.Errorf("client: -W %s: %w", target, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("client: -W %s: %w", target, ctx.Err())
	}
}
