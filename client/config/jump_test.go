package config

import (
	"reflect"
	"testing"
)

func TestJumpHops(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Hop
		bad  bool
	}{
		{in: "none"},
		{in: ""},
		{in: "a", want: []Hop{{Host: "a"}}},
		{in: "u@a:2222,b", want: []Hop{{User: "u", Host: "a", Port: 2222}, {Host: "b"}}},
		{in: "[::1]:22,ssh://v@c:33", want: []Hop{{Host: "::1", Port: 22}, {User: "v", Host: "c", Port: 33}}},
		{in: "a:0", bad: true},
		{in: "a,,b", bad: true},
	} {
		got, err := JumpHops(tc.in)
		if (err != nil) != tc.bad || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("JumpHops(%q) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestProxyCommandLine(t *testing.T) {
	c := &Config{HostName: "h.example", Port: 2222, User: "u", hostArg: "alias",
		ProxyCommand: "nc -X 5 %h %p # %r@%n 100%%"}
	got, err := c.ProxyCommandLine()
	if want := "nc -X 5 h.example 2222 # u@alias 100%"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	c.ProxyCommand = "nc %d"
	if _, err := c.ProxyCommandLine(); err == nil {
		t.Errorf("%%d is not a ProxyCommand token, want an error")
	}
	c.ProxyCommand = "none"
	if got, err := c.ProxyCommandLine(); got != "" || err != nil {
		t.Errorf("none: got %q, %v", got, err)
	}
}
