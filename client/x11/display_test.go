package x11

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCheckDisplay(t *testing.T) {
	for _, tc := range []struct {
		display string
		bad     byte
		ok      bool
	}{
		{":0", 0, true},
		{"localhost:10.0", 0, true},
		{"unix:3.1", 0, true},
		{"my-host_1.example.org:0", 0, true},
		{"/private/tmp/com.apple.launchd.AbC123/org.xquartz:0", 0, true},
		{"", 0, true}, // set but empty: ssh lets it through too
		{":0;touch x", ';', false},
		{":0 ", ' ', false},
		{"$(id):0", '$', false},
		{"`id`:0", '`', false},
		{":0\n", '\n', false},
		{"[::1]:0", '[', false},
		{"h\xc3\xa9:0", 0xc3, false}, // isalnum in the C locale: ASCII only
	} {
		bad, ok := CheckDisplay(tc.display)
		if bad != tc.bad || ok != tc.ok {
			t.Errorf("CheckDisplay(%q) = %q, %v; want %q, %v", tc.display, bad, ok, tc.bad, tc.ok)
		}
	}
}

func TestParseDisplay(t *testing.T) {
	const xquartz = "/private/tmp/com.apple.launchd.AbC123/org.xquartz:0"
	exists := func(p string) bool { return p == xquartz }
	for _, tc := range []struct {
		display string
		want    Display
		err     string
	}{
		{":0", Display{Network: "unix", Address: "/tmp/.X11-unix/X0"}, ""},
		{":12.3", Display{Network: "unix", Address: "/tmp/.X11-unix/X12"}, ""},
		{"unix:7", Display{Network: "unix", Address: "/tmp/.X11-unix/X7"}, ""},
		{"unix:7.0", Display{Network: "unix", Address: "/tmp/.X11-unix/X7"}, ""},
		{"::1", Display{Network: "unix", Address: "/tmp/.X11-unix/X1"}, ""}, // ssh's "::d" form
		{"localhost:10.0", Display{Network: "tcp", Address: "localhost:6010", Host: "localhost", Port: 6010}, ""},
		{"192.0.2.1:2", Display{Network: "tcp", Address: "192.0.2.1:6002", Host: "192.0.2.1", Port: 6002}, ""},
		{"host:59535", Display{Network: "tcp", Address: "host:65535", Host: "host", Port: 65535}, ""},
		{xquartz, Display{Network: "unix", Address: xquartz}, ""},
		{xquartz + ".0", Display{Network: "unix", Address: xquartz}, ""},
		{":", Display{}, "Could not parse display number from DISPLAY: :"},
		{"unix:x", Display{}, "Could not parse display number from DISPLAY: unix:x"},
		{"host:59536", Display{}, "Could not parse display number from DISPLAY: host:59536"},
		{"host:", Display{}, "Could not parse display number from DISPLAY: host:"},
		{"nocolon", Display{}, "Could not find ':' in DISPLAY: nocolon"},
		{"", Display{}, "Could not find ':' in DISPLAY: "},
		{":99999999999", Display{}, "Could not parse display number from DISPLAY: :99999999999"},
		{"host:" + strings.Repeat("1", 200), Display{}, "Could not parse display number from DISPLAY: host:" + strings.Repeat("1", 95)},
	} {
		got, err := ParseDisplay(tc.display, exists)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseDisplay(%q) error %v; want %q", tc.display, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDisplay(%q) = %+v, %v; want %+v", tc.display, got, err, tc.want)
		}
	}
}

func TestScreenNumber(t *testing.T) {
	for display, want := range map[string]uint32{
		":0": 0, ":0.1": 1, "localhost:10.0": 0, "localhost:10.2": 2, "unix:0.400": 400,
		"unix:0.401": 0, ":0.x": 0, ":0.1.2": 0, "nohost": 0, "a.b:1": 0, "a.b:1.3": 3,
		"/tmp/launch-x/org.xquartz:0": 0,
	} {
		if got := ScreenNumber(display); got != want {
			t.Errorf("ScreenNumber(%q) = %d, want %d", display, got, want)
		}
	}
}

func TestDialMessages(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "X9")
	_, err := Display{Network: "unix", Address: missing}.Dial(context.Background())
	if want := "connect " + missing + ": No such file or directory"; err == nil || err.Error() != want {
		t.Errorf("unix: %v; want %q", err, want)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = Display{Network: "tcp", Address: l.Addr().String(), Host: "127.0.0.1", Port: port}.Dial(context.Background())
	if want := "connect 127.0.0.1 port " + strconv.Itoa(port) + ": Connection refused"; err == nil || err.Error() != want {
		t.Errorf("tcp: %v; want %q", err, want)
	}
}
