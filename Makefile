# doorsync — `make run` starts the whole system on one machine, `make test`
# runs every test. Both work from a fresh clone. `make help` lists the
# targets (from their `## target: description` comments).

GO                    ?= go
TEMPORAL_CLI_VERSION  := v1.5.1
TEMPORAL_BIN          := bin/temporal-$(TEMPORAL_CLI_VERSION)
export TEMPORAL_CLI   := $(CURDIR)/$(TEMPORAL_BIN)

# A bare `make` is `make run`, as it always was.
.DEFAULT_GOAL := run

.PHONY: help run test lint bench soak build vet fmt clean check-deploy

## help: list the targets and what they do
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); t = $$0; sub(/:.*/, "", t); d = $$0; sub(/^[^:]*: */, "", d); \
		printf "  %-8s %s\n", t, d; next } \
		/^## / && t != "" { sub(/^## /, ""); printf "  %-8s %s\n", "", $$0; next } { t = "" }' $(MAKEFILE_LIST)

## run: the whole system on one machine (Temporal dev server, Postgres, doorsync dev)
## DOORSYNC_DEMO_PLATFORM=officernd make run loads the demo org from a fake OfficeRnD
## (a platform connection, its backfill and webhooks) instead of the built-in space
run: build $(TEMPORAL_BIN)
	DOORSYNC_BIN=$(CURDIR)/bin/doorsync scripts/dev-stack.sh

## test: go vet and every test with the race detector, against real Postgres and Temporal,
## and the deploy files (check-deploy)
test: $(TEMPORAL_BIN) check-deploy
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

## check-deploy: the Prometheus alerting rules, checked and unit-tested by promtool
## (Debian's prometheus package; without it this step is skipped, but under
## CI=true it fails), and the dashboard's and rules' metric names checked
## against the code (go test ./deploy)
PROMTOOL ?= promtool
check-deploy:
	@if command -v $(PROMTOOL) >/dev/null; then \
		$(PROMTOOL) check rules deploy/prometheus/alerts.yml && \
		$(PROMTOOL) test rules deploy/prometheus/alerts_test.yml; \
	elif [ "$$CI" = true ]; then \
		echo "check-deploy: $(PROMTOOL) not found (apt-get install prometheus)" >&2; exit 1; \
	else \
		echo "check-deploy: $(PROMTOOL) not found; alert rules not checked (apt-get install prometheus)" >&2; \
	fi
	$(GO) test -count=1 ./deploy

## lint: golangci-lint (.golangci.yml) and Temporal's workflowcheck on the
## workflows, at pinned versions built into bin/
GOLANGCI_LINT_VERSION := v2.15.0
WORKFLOWCHECK_VERSION := v0.6.0
GOLANGCI_LINT         := bin/golangci-lint-$(GOLANGCI_LINT_VERSION)
WORKFLOWCHECK         := bin/workflowcheck-$(WORKFLOWCHECK_VERSION)
lint: $(GOLANGCI_LINT) $(WORKFLOWCHECK)
	$(GOLANGCI_LINT) run ./...
	$(WORKFLOWCHECK) ./workflows/...

$(GOLANGCI_LINT):
	@mkdir -p bin/.gobin
	GOBIN=$(CURDIR)/bin/.gobin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv bin/.gobin/golangci-lint $@

$(WORKFLOWCHECK):
	@mkdir -p bin/.gobin
	GOBIN=$(CURDIR)/bin/.gobin $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)
	mv bin/.gobin/workflowcheck $@

## bench: the benchmarks (performance targets live here, never in timed tests)
bench: $(TEMPORAL_BIN)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

## soak: the production topology (api, two workers, Temporal on a file,
## Postgres, a faulty fake Salto KS) under load and faults for about five
## minutes, checked against an oracle; it restarts the local PostgreSQL once
## (SOAK_FLAGS=-restart-postgres=false spares it). See cmd/soak.
soak: build $(TEMPORAL_BIN)
	$(GO) build -o bin/soak ./cmd/soak
	bin/soak -doorsync bin/doorsync -temporal $(TEMPORAL_CLI) $(SOAK_FLAGS)

## build: the doorsync binary in bin/
build:
	$(GO) build -o bin/doorsync ./cmd/doorsync

## vet: go vet ./...
vet:
	$(GO) vet ./...

## fmt: gofmt every Go file git knows
fmt:
	gofmt -w $$(git ls-files '*.go')

# The Temporal CLI, built from the Go module proxy at a pinned version and
# kept in bin/ (go install refuses newer versions: their go.mod has replace
# directives). bin/temporal points at it for tools and tests.
$(TEMPORAL_BIN):
	@mkdir -p bin/.gobin
	GOBIN=$(CURDIR)/bin/.gobin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)
	mv bin/.gobin/temporal $@
	ln -sf $(notdir $@) bin/temporal

## clean: remove bin/ and .data/ (make run's Temporal file, Postgres cluster and fake Salto KS state)
clean:
	rm -rf bin .data
