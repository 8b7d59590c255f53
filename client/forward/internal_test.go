package forward

import (
	"reflect"
	"testing"

	"github.com/gssh/gssh/client/config"
)

func TestPermitOpen(t *testing.T) {
	for _, tc := range []struct {
		list []string
		host string
		port int
		want bool
	}{
		{nil, "h", 1, true},
		{[]string{"any"}, "h", 1, true},
		{[]string{"none"}, "h", 1, false},
		{[]string{"h:1"}, "h", 1, true},
		{[]string{"h:1"}, "h", 2, false},
		{[]string{"*:22"}, "x", 22, true},
		{[]string{"db:*"}, "db", 5432, true},
		{[]string{"[::1]:22"}, "::1", 22, true},
	} {
		if got := permitOpen(tc.list, tc.host, tc.port); got != tc.want {
			t.Errorf("permitOpen(%q, %s, %d) = %v", tc.list, tc.host, tc.port, got)
		}
	}
}

// TestListenAddrs pins channels.c's choice of bind addresses for the
// client side.
func TestListenAddrs(t *testing.T) {
	for _, tc := range []struct {
		ep      config.Endpoint
		gateway bool
		family  string
		want    []string
	}{
		{config.Endpoint{Port: 1}, false, "any", []string{"127.0.0.1", "::1"}},
		{config.Endpoint{Port: 1}, false, "inet", []string{"127.0.0.1"}},
		{config.Endpoint{Port: 1}, true, "any", []string{""}},
		{config.Endpoint{Port: 1}, true, "inet6", []string{"::"}},
		{config.Endpoint{Host: "*", Port: 1}, false, "any", []string{""}},
		{config.Endpoint{Host: "*", Port: 1}, false, "inet", []string{"0.0.0.0"}},
		{config.Endpoint{Host: "localhost", Port: 1}, true, "any", []string{"127.0.0.1", "::1"}},
		{config.Endpoint{Host: "192.0.2.1", Port: 1}, false, "any", []string{"192.0.2.1"}},
	} {
		f := &Forwarding{cfg: &config.Config{GatewayPorts: tc.gateway, AddressFamily: tc.family}}
		if got := f.listenAddrs(tc.ep); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v gateway=%v %s: %q, want %q", tc.ep, tc.gateway, tc.family, got, tc.want)
		}
	}
}

func TestRfwdBindHost(t *testing.T) {
	for ep, want := range map[config.Endpoint]string{
		{Port: 1}:           "localhost",
		{Host: "*"}:         "",
		{Host: "0.0.0.0"}:   "0.0.0.0",
		{Host: "localhost"}: "localhost",
	} {
		if got := rfwdBindHost(ep); got != want {
			t.Errorf("rfwdBindHost(%+v) = %q, want %q", ep, got, want)
		}
	}
}

func TestForwardErrorText(t *testing.T) {
	for err, want := range map[error]string{
		&Error{}:                              "Could not request local forwarding.",
		&Error{Remote: true, Port: 22}:        "Error: remote port forwarding failed for listen port 22",
		&Error{Remote: true, Path: "/x.sock"}: "Error: remote port forwarding failed for listen path /x.sock",
		&ChannelOpenError{Reason: 2, Message: "Connection refused"}: "channel 0: open failed: connect failed: Connection refused",
	} {
		if got := err.Error(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
