//go:build unix

package controlmaster

import (
	"strings"
	"testing"

	"github.com/gssh/gssh/mux"
)

// TestInvalidForward: the requests mux_master_process_open_fwd answers
// "Invalid forwarding request" before it looks anything up or asks.
func TestInvalidForward(t *testing.T) {
	for _, tc := range []struct {
		f     mux.Forward
		valid bool
	}{
		{mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: "h", ConnectPort: 80}, true},
		{mux.Forward{Kind: mux.ForwardDynamic, ListenPort: 1080, ConnectHost: "socks"}, true},
		{mux.Forward{Kind: mux.ForwardRemote, ListenPort: 0, ConnectHost: "socks"}, true},
		{mux.Forward{Kind: mux.ForwardLocal, ListenHost: "/l", ListenPort: mux.PortStreamLocal, ConnectHost: "/c", ConnectPort: mux.PortStreamLocal}, true},
		{mux.Forward{Kind: 7, ListenPort: 80, ConnectHost: "h", ConnectPort: 80}, false},
		{mux.Forward{Kind: mux.ForwardDynamic, ListenHost: "/l", ListenPort: mux.PortStreamLocal}, false},
		{mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: "h"}, false},
		{mux.Forward{Kind: mux.ForwardRemote, ListenPort: 80, ConnectPort: 80}, false},
	} {
		if got := invalidForward(tc.f) == ""; got != tc.valid {
			t.Errorf("invalidForward(%+v) = %q, want valid %v", tc.f, invalidForward(tc.f), tc.valid)
		}
	}
	long := strings.Repeat("h", 300)
	want := "local forward LOCALHOST:80 -> " + long[:200] + ":22"
	if got := describeForward(mux.Forward{Kind: mux.ForwardLocal, ListenPort: 80, ConnectHost: long, ConnectPort: 22}, false); got != want {
		t.Errorf("describeForward cut the name to %d bytes, want 200", len(got)-len("local forward LOCALHOST:80 -> :22"))
	}
}
