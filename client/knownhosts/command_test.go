//go:build unix

package knownhosts

import (
	"slices"
	"testing"

	"github.com/gssh/gssh/client/config"
)

// FuzzKnownHostsCommandOutput feeds arbitrary command output through the
// known_hosts parser and the algorithm ordering: never a panic, entries
// only for the name the command ran for, and the offered list always a
// reordering of the configured one.
func FuzzKnownHostsCommandOutput(f *testing.F) {
	f.Add([]byte("[h]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhNjH9fP45iaoj6jGpCB4rpnFfoTjYn7KWmV2dUeled\n"), "[h]:2222")
	f.Add([]byte("@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBhNjH9fP45iaoj6jGpCB4rpnFfoTjYn7KWmV2dUeled\n@revoked h x\n"), "h")
	f.Add([]byte("|1|salt|hash ssh-rsa AAAA\n\x00\xff garbage\n"), "h")
	defaults := config.DefaultHostKeyAlgorithms()
	f.Fuzz(func(t *testing.T, out []byte, name string) {
		entries := parseKnownHosts("KnownHostsCommand-ORDER", out, name, nil)
		kh := &knownHosts{entries: entries}
		for i := range kh.entries {
			if !kh.entries[i].fromCommand() && name != "" {
				t.Fatalf("entry %d not marked as the command's", i)
			}
		}
		if other := name + "x"; name != "" && len(kh.matching(other)) != 0 {
			t.Fatalf("a line for %q matched %q", name, other)
		}
		got := hostKeyAlgorithms(&config.Config{}, kh.matching(name))
		sorted, want := slices.Clone(got), slices.Clone(defaults)
		slices.Sort(sorted)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Fatalf("offered %q, not a reordering of %q", got, defaults)
		}
	})
}
