// Package deps_test guards gssh's import graph, the way tailscale's
// tstest/deptest does: the parsers and protocol codecs stay pure, the
// client's leaf packages never reach back into the connection core or the
// ControlMaster runtime, nothing imports the command, and no product code
// links the test harness. A change that breaks a layer fails here, not in
// review.
package deps_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/gssh/gssh"

// pure packages import nothing of gssh: each can be read, fuzzed and reused
// alone.
var pure = []string{
	"escape",
	"keepalive",
	"mux",
	"mux/proxy",
	"reconnect",
	"client/config",
	"client/gssapi",
	"client/krl",
	"client/termsafe",
	"client/nss",
	"internal/socks",
}

// layers lists, for packages above the pure ones, the gssh packages they
// must not depend on, directly or not (exact import paths: client/config
// is not client).
var layers = map[string][]string{
	"client/sshlog":     {"client", "controlmaster"},
	"client/kexlog":     {"client", "controlmaster", "client/tty", "client/knownhosts"},
	"client/tty":        {"client", "controlmaster"},
	"client/keys":       {"client", "controlmaster"},
	"client/knownhosts": {"client", "controlmaster", "client/tty"},
	"client/forward":    {"client", "controlmaster", "client/tty", "client/knownhosts"},
	"client/x11":        {"client", "controlmaster", "client/tty", "client/knownhosts", "client/forward"},
	"client":            {"controlmaster", "tunnel"},
	"controlmaster":     {"tunnel"},
	"tunnel":            {"controlmaster"},
	"internal/reexec":   {"client", "controlmaster", "mux", "mux/proxy"},
	// The registry of live processes reads and writes its own files; it
	// knows nothing of connections, configuration or terminals.
	"client/registry": {"client", "controlmaster", "client/config", "client/tty", "keepalive", "mux", "mux/proxy"},
}

// harness is test-only code that no product package may link.
var harness = []string{
	"internal/bench",
	"internal/faults",
	"internal/kdctest",
	"internal/soak",
	"internal/sshdtest",
	"internal/testenv",
}

// graph maps every package of the module to its transitive non-test
// dependencies inside the module, and records which packages any package
// or test imports directly.
type graph struct {
	deps     map[string][]string
	imported map[string][]string
}

func load(t *testing.T) graph {
	t.Helper()
	out, err := exec.Command("go", "list", "-f",
		"{{.ImportPath}}\t{{join .Deps \" \"}}\t{{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}",
		module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	g := graph{deps: map[string][]string{}, imported: map[string][]string{}}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("go list line %q", line)
		}
		pkg := rel(fields[0])
		for _, d := range strings.Fields(fields[1]) {
			if strings.HasPrefix(d, module+"/") {
				g.deps[pkg] = append(g.deps[pkg], rel(d))
			}
		}
		if _, ok := g.deps[pkg]; !ok {
			g.deps[pkg] = nil
		}
		for _, d := range strings.Fields(fields[2]) {
			if strings.HasPrefix(d, module+"/") {
				g.imported[rel(d)] = append(g.imported[rel(d)], pkg)
			}
		}
	}
	return g
}

func rel(importPath string) string { return strings.TrimPrefix(importPath, module+"/") }

func (g graph) mustHave(t *testing.T, pkg string) []string {
	t.Helper()
	deps, ok := g.deps[pkg]
	if !ok {
		t.Fatalf("package %s is listed here but does not exist; update the list", pkg)
	}
	return deps
}

func TestPurePackagesImportNothingOfGssh(t *testing.T) {
	g := load(t)
	for _, pkg := range pure {
		if deps := g.mustHave(t, pkg); len(deps) > 0 {
			sort.Strings(deps)
			t.Errorf("%s must stay pure but depends on %v", pkg, deps)
		}
	}
}

func TestLayersDoNotReachUp(t *testing.T) {
	g := load(t)
	for pkg, banned := range layers {
		for _, d := range g.mustHave(t, pkg) {
			for _, b := range banned {
				if d == b {
					t.Errorf("%s depends on %s, a layer above it", pkg, d)
				}
			}
		}
	}
}

func TestNothingImportsTheCommand(t *testing.T) {
	g := load(t)
	if users := g.imported["cmd/gssh"]; len(users) > 0 {
		t.Errorf("cmd/gssh is imported by %v; move what they need into a library package", users)
	}
}

func TestProductCodeLinksNoHarness(t *testing.T) {
	g := load(t)
	isHarness := func(p string) bool {
		for _, h := range harness {
			if p == h {
				return true
			}
		}
		return false
	}
	for pkg, deps := range g.deps {
		if isHarness(pkg) {
			continue
		}
		for _, d := range deps {
			if isHarness(d) {
				t.Errorf("%s links the test harness %s", pkg, d)
			}
		}
	}
}
