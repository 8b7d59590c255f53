# gssh — see README.md. Every target works on a fresh Debian machine
# once .ci/setup has installed sshd and created the test user.
GO          ?= go
STATICCHECK_VERSION := v0.8.2
BIN         := bin/gssh
GOBIN       := $(CURDIR)/bin/tools

.PHONY: all build test test-short lint vet staticcheck cross fuzz bench bench-keepalive bench-compare demo clean

all: build

# A static binary: no cgo, so no dynamic loader or C library start-up
# (about 0.7 ms of every run; docs/performance.md). Host names that only
# the C library's NSS knows are looked up through getent(1)
# (client/nsshosts.go).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/gssh

# The full suite: vet, staticcheck, and every test with the race detector
# against a real sshd (run `sudo bash .ci/setup` once to install it). The
# gssh binary the integration tests run is race-checked too
# (internal/sshdtest.Build); its race reports fail the tests.
# One package at a time (-p 1): the pty, keepalive and escape tests
# measure real time against a real sshd, and on a two-core machine two
# packages' worth of sshd sessions at once stretch those timings.
test: lint
	$(GO) test -race -count=1 -p 1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 ./...

lint: vet staticcheck cross
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

vet:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet ./...

staticcheck: $(GOBIN)/staticcheck
	$(GOBIN)/staticcheck ./...

$(GOBIN)/staticcheck:
	GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Linux first; macOS builds and works; Windows builds. Vet type-checks the
# tests too, so the build-tagged seams stay complete on every platform.
cross:
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=darwin GOARCH=amd64 $(GO) build ./...
	GOOS=freebsd GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...

# Each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzFilter -fuzztime $(FUZZTIME) ./escape/
	$(GO) test -run '^$$' -fuzz 'FuzzParse$$' -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzResolve -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzNames -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzParseArgs -fuzztime $(FUZZTIME) ./cmd/gssh/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./mux/
	$(GO) test -run '^$$' -fuzz FuzzKnownHostsCommandArgv -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzKnownHostsCommandOutput -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz FuzzKRL -fuzztime $(FUZZTIME) ./client/krl/
	$(GO) test -run '^$$' -fuzz FuzzText -fuzztime $(FUZZTIME) ./client/termsafe/

# Keepalive detection latency under a frozen server and a blackholed
# network, gssh next to OpenSSH's ssh, against the configured budget
# (docs/keepalive-and-timeouts.md). Needs sshd; about 30s.
bench-keepalive:
	$(GO) test -run '^$$' -bench KeepaliveDetection -benchtime 2x ./cmd/gssh/

# gssh next to OpenSSH's ssh on one throwaway sshd, alternating: connect,
# master sessions, 1 GiB transfers per cipher, -L, RSS, CPU per GiB. Prints
# the ratio table and writes docs/bench-results.txt (docs/performance.md).
# BENCH_SIZE (1G, 256M, ...) and BENCH_ROUNDS size the run; about 4 minutes.
BENCH_SIZE   ?= 1G
BENCH_ROUNDS ?= 3
bench-compare:
	GSSH_BENCH_SIZE=$(BENCH_SIZE) GSSH_BENCH_ROUNDS=$(BENCH_ROUNDS) $(GO) test -run '^$$' -bench Compare -benchtime 1x -timeout 10m ./internal/bench/

bench: bench-keepalive bench-compare

# A throwaway sshd on loopback, gssh running a command and a shell on it.
demo: build
	bash internal/demo/demo.sh $(BIN)

clean:
	rm -rf bin
