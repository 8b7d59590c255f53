package client

import (
	"errors"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestExitRecorder(t *testing.T) {
	status := func(n uint32) *ssh.Request {
		return &ssh.Request{Type: "exit-status", Payload: ssh.Marshal(struct{ N uint32 }{n})}
	}
	signal := &ssh.Request{Type: "exit-signal", Payload: ssh.Marshal(struct {
		Signal    string
		Core      bool
		Msg, Lang string
	}{"KILL", true, "killed", ""})}
	for _, tc := range []struct {
		name       string
		reqs       []*ssh.Request
		wantStatus int
		wantErr    func(error) bool
	}{
		{"status", []*ssh.Request{status(7)}, 7, func(err error) bool { return err == nil }},
		{"status above 255", []*ssh.Request{status(300)}, 44, func(err error) bool { return err == nil }},
		{"signal", []*ssh.Request{signal}, 255, func(err error) bool {
			var s *RemoteSignalError
			return errors.As(err, &s) && s.Signal == "KILL" && s.CoreDumped && s.Message == "killed"
		}},
		{"nothing", nil, 255, func(err error) bool { return err == ErrNoExitStatus }},
		{"malformed status ignored", []*ssh.Request{{Type: "exit-status", Payload: []byte{1}}}, 255,
			func(err error) bool { return err == ErrNoExitStatus }},
		{"unknown requests ignored", []*ssh.Request{{Type: "eow@openssh.com"}, status(0)}, 0,
			func(err error) bool { return err == nil }},
	} {
		var rec exitRecorder
		for _, r := range tc.reqs {
			rec.handle(r, nil)
		}
		if got, err := rec.result(); got != tc.wantStatus || !tc.wantErr(err) {
			t.Errorf("%s: result = %d, %v", tc.name, got, err)
		}
	}
}

func TestExitErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&ConnectionLostError{Host: "example.org"}, "Connection to example.org closed by remote host."},
		{&LocalSignalError{Signal: syscall.SIGTERM}, "Killed by signal 15."},
		{&RequestFailedError{What: "exec"}, "exec request failed on channel 0"},
		{&RequestFailedError{What: "PTY allocation"}, "PTY allocation request failed on channel 0"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%T: %q, want %q", tc.err, got, tc.want)
		}
	}
}
