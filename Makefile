# gssh — see README.md. Every target works on a fresh Debian machine
# once .ci/setup has installed sshd and created the test user.
GO          ?= go
STATICCHECK_VERSION := v0.8.2
BIN         := bin/gssh
GOBIN       := $(CURDIR)/bin/tools

.PHONY: all build deps test test-short lint vet staticcheck cross fuzz bench bench-compare soak stress demo clean

all: build

# A static binary: no cgo, so no dynamic loader or C library start-up
# (about 0.7 ms of every run; docs/performance.md). Host names that only
# the C library's NSS knows are looked up through getent(1)
# (client/nsshosts.go).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/gssh

# What the demo and the tests need (sshd, ssh, the callers, the test
# user): installed as root, named in one line otherwise (.ci/setup).
deps:
	@bash .ci/setup

# The full suite: vet, staticcheck, and every test with the race detector
# against a real sshd. The gssh binary the integration tests run is
# race-checked too (internal/sshdtest.Build); its race reports fail the
# tests. One package at a time (-p 1): the pty, keepalive
# and escape tests measure real time against a real sshd, and on a
# two-core machine two packages' worth of sshd sessions at once stretch
# those timings. The last line counts the tests that started a real sshd.
SSHD_RUN_LOG := $(CURDIR)/bin/sshd-tests.log
test: deps lint
	@mkdir -p bin && rm -f $(SSHD_RUN_LOG)
	GSSH_SSHD_TEST_LOG=$(SSHD_RUN_LOG) $(GO) test -race -count=1 -p 1 -timeout 20m ./...
	@echo "real sshd: $$(sort -u $(SSHD_RUN_LOG) | wc -l) tests started one"

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

# Each fuzz target for FUZZTIME (default 30s). New inputs are minimised for
# at most 5 s: the default (60 s) can spend a whole run minimising.
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzFilter -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./escape/
	$(GO) test -run '^$$' -fuzz 'FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzResolve -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzNames -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzParseArgs -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./cmd/gssh/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./mux/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./mux/proxy/
	$(GO) test -run '^$$' -fuzz FuzzReadPacket -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./mux/proxy/
	$(GO) test -run '^$$' -fuzz FuzzKnownHostsCommandArgv -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzKnownHostsCommandOutput -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/knownhosts/
	$(GO) test -run '^$$' -fuzz FuzzReadRequest -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./internal/socks/
	$(GO) test -run '^$$' -fuzz FuzzKRL -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/krl/
	$(GO) test -run '^$$' -fuzz FuzzText -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/termsafe/
	$(GO) test -run '^$$' -fuzz FuzzRewrite -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/x11/
	$(GO) test -run '^$$' -fuzz FuzzParseDisplay -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/x11/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./client/registry/
	$(GO) test -run '^$$' -fuzz FuzzShellQuote -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./cmd/gssh/

# gssh next to OpenSSH's ssh (docs/performance.md), every row alternated
# ABBA over an even number of rounds. First like for like: both clients
# on curve25519-sha256 and one cipher (connect, master sessions, 1 GiB
# transfers per cipher, -L, master RSS, keepalive verdicts), transfer
# rates and client CPU per GiB timed from the first byte; then each
# side's default algorithms; then gssh-only -tt rows. Prints the table
# and writes docs/bench-results.txt. BENCH_SIZE (1G, 256M, ...) and
# BENCH_ROUNDS (even) size the run; about 4 minutes on an idle machine.
BENCH_SIZE   ?= 1G
BENCH_ROUNDS ?= 4
bench-compare:
	GSSH_BENCH_SIZE=$(BENCH_SIZE) GSSH_BENCH_ROUNDS=$(BENCH_ROUNDS) $(GO) test -run '^$$' -bench Compare -benchtime 1x -timeout 15m ./internal/bench/

bench: bench-compare

# The cmd/gssh and mux tests STRESS_ROUNDS times (10) with a CPU hog on
# one core beside them; passes only if every round does (about 40 minutes
# on a two-core machine).
stress: deps
	STRESS_ROUNDS=$(STRESS_ROUNDS) bash internal/stress/stress.sh
STRESS_ROUNDS ?= 10

# A gssh master and an OpenSSH master side by side through the same
# churn against the real sshd (internal/soak, docs/reliability.md):
# 5,000 sequential sessions, 200 concurrent × 8 MiB each way checked
# with SHA-256, 1,000 -O check, 500 -W streams, 500 -L connections;
# descriptors, goroutines, RSS and CPU of each master before, during and
# after. Fails on any wrong byte, exit status or lost session, and when
# gssh's master does not come back to its descriptors and goroutines.
# Writes docs/soak-results.txt. `make test` runs the short sizes.
soak: deps
	GSSH_SOAK=long GSSH_SOAK_OUT=$(CURDIR)/docs/soak-results.txt $(GO) test -count=1 -v -run TestSoak -timeout 40m ./internal/soak/

# A throwaway sshd on loopback and what gssh is for (internal/demo/demo.sh).
demo: deps build
	bash internal/demo/demo.sh $(BIN)

clean:
	rm -rf bin
