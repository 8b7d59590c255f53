package client

import (
	"reflect"
	"testing"
)

func TestEnvRequests(t *testing.T) {
	environ := []string{"LANG=C.UTF-8", "LC_ALL=C", "LC_TIME=en_GB", "HOME=/root", "GSSH_X=1=2", "NOEQUALS"}
	for _, tc := range []struct {
		name            string
		sendEnv, setEnv []string
		want            []envVar
	}{
		{"nothing", nil, nil, nil},
		{"environment order, not pattern order", []string{"LC_*", "LANG"}, nil,
			[]envVar{{"LANG", "C.UTF-8"}, {"LC_ALL", "C"}, {"LC_TIME", "en_GB"}}},
		{"value keeps its equals signs", []string{"GSSH_*"}, nil, []envVar{{"GSSH_X", "1=2"}}},
		{"removal matches pattern text", []string{"LANG", "LC_*", "-LC_*"}, nil, []envVar{{"LANG", "C.UTF-8"}}},
		{"removal with a glob", []string{"LC_ALL", "LC_TIME", "LANG", "-LC_*"}, nil, []envVar{{"LANG", "C.UTF-8"}}},
		{"removal of a narrower name keeps the glob", []string{"LC_*", "-LC_ALL"}, nil,
			[]envVar{{"LC_ALL", "C"}, {"LC_TIME", "en_GB"}}},
		{"later patterns survive an earlier removal", []string{"-LANG", "LANG"}, nil, []envVar{{"LANG", "C.UTF-8"}}},
		{"SetEnv after SendEnv, in order", []string{"HOME"}, []string{"B=2", "A=", "BAD"},
			[]envVar{{"HOME", "/root"}, {"B", "2"}, {"A", ""}}},
	} {
		if got := envRequests(environ, tc.sendEnv, tc.setEnv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLookupEnvFirstWins(t *testing.T) {
	env := []string{"TERM=xterm", "TERM=vt100"}
	if v, ok := lookupEnv(env, "TERM"); !ok || v != "xterm" {
		t.Fatalf("lookupEnv = %q, %v", v, ok)
	}
	if _, ok := lookupEnv(env, "TER"); ok {
		t.Fatal("prefix matched")
	}
}
