# gssh — see README.md. Every target works on a fresh Debian machine
# once .ci/setup has installed sshd and created the test user.
GO          ?= go
STATICCHECK_VERSION := v0.8.2
BIN         := bin/gssh
GOBIN       := $(CURDIR)/bin/tools

.PHONY: all build test test-short lint vet staticcheck cross fuzz bench bench-keepalive demo clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gssh

# The full suite: vet, staticcheck, and every test with the race detector
# against a real sshd (run `sudo bash .ci/setup` once to install it).
test: lint
	$(GO) test -race -count=1 -timeout 15m ./...

test-short:
	$(GO) test -count=1 ./...

lint: vet staticcheck cross
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

vet:
	$(GO) vet ./...

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
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzParseArgs -fuzztime $(FUZZTIME) ./cmd/gssh/

# Keepalive detection latency under a frozen server and a blackholed
# network, gssh next to OpenSSH's ssh, against the configured budget
# (docs/keepalive-and-timeouts.md). Needs sshd; about 30s.
bench-keepalive:
	$(GO) test -run '^$$' -bench KeepaliveDetection -benchtime 2x ./cmd/gssh/

bench: bench-keepalive

# A throwaway sshd on loopback, gssh running a command and a shell on it.
demo: build
	bash internal/demo/demo.sh $(BIN)

clean:
	rm -rf bin
