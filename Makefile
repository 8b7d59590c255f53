# gssh — see README.md. Every target works on a fresh Debian machine
# once .ci/setup has installed sshd and created the test user.
GO          ?= go
STATICCHECK_VERSION := v0.8.2
BIN         := bin/gssh
GOBIN       := $(CURDIR)/bin/tools

.PHONY: all build test test-short lint vet staticcheck fuzz bench demo clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gssh

# The full suite: vet, staticcheck, and every test with the race detector
# against a real sshd (run `sudo bash .ci/setup` once to install it).
test: lint
	$(GO) test -race -count=1 -timeout 15m ./...

test-short:
	$(GO) test -count=1 ./...

lint: vet staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

vet:
	$(GO) vet ./...

staticcheck: $(GOBIN)/staticcheck
	$(GOBIN)/staticcheck ./...

$(GOBIN)/staticcheck:
	GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzFilter -fuzztime $(FUZZTIME) ./escape/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./client/config/
	$(GO) test -run '^$$' -fuzz FuzzParseArgs -fuzztime $(FUZZTIME) ./cmd/gssh/

# A throwaway sshd on loopback, gssh running a command and a shell on it.
demo: build
	bash internal/demo/demo.sh $(BIN)

clean:
	rm -rf bin
