# Rockoon in Go. `make help` lists the targets.
SHELL := /usr/bin/env bash
GO ?= go
BIN := bin
# Cluster binaries (kube-apiserver, etcd, ...) are built once into this
# cache, outside the repository.
export ROCKOON_CACHE ?= $(HOME)/.cache/rockoon-go
GOTEST_FLAGS ?= -count=1 -timeout 15m

.PHONY: help
help: ## List the targets.
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build the binaries of cmd/ into bin/.
	@mkdir -p $(BIN)
	@if compgen -G "cmd/*/main.go" >/dev/null; then $(GO) build -trimpath -o $(BIN)/ ./cmd/...; else echo "no binaries in cmd/ yet"; fi

.PHONY: generate
generate: ## Regenerate deepcopy, register, clients, listers, informers, applyconfigurations and CRDs.
	hack/update-codegen.sh

.PHONY: verify
verify: ## Fail when generated code is stale, code is not gofmt'ed or go vet complains.
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "not gofmt'ed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	hack/verify-codegen.sh

.PHONY: verify-selftest
verify-selftest: ## Prove that verify refuses hand-edited generated files.
	hack/verify-codegen-selftest.sh

.PHONY: test-env
test-env: ## Build (once, cached) kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok and the Gateway API CRDs for the tests.
	hack/build-cluster-bins.sh apiserver etcd kcm scheduler kwok gateway-crds

.PHONY: test
test: test-env ## Run all tests against a real kube-apiserver and etcd.
	$(GO) test $(GOTEST_FLAGS) ./...

FUZZTIME ?= 10s
.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 10s) each.
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

.PHONY: bench
bench: test-env ## Run the benchmarks.
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: demo
demo: ## Run the operator locally on a local cluster with the real charts (CHARTS_DIR overrides ../shared/charts); Ctrl-C stops it.
	hack/demo.sh

.PHONY: clean
clean: ## Remove build outputs (not the cluster-binary cache).
	rm -rf $(BIN)
