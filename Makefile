# JES: Judicial e-Services. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Downloads and built tools live here (git-ignored); CI points it at a persistent folder.
export JES_CACHE ?= $(CURDIR)/.cache
UV_VERSION := 0.13.9
UV := $(JES_CACHE)/uv-$(UV_VERSION)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_CACHE_DIR := $(JES_CACHE)/uv-cache
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
PY := $(CURDIR)/.venv/bin/python
# Debian packages: what the platform needs to run, and what the tests add
RUN_DEB_PACKAGES := wkhtmltopdf fonts-noto-cjk
TEST_DEB_PACKAGES := $(RUN_DEB_PACKAGES) poppler-utils chromium postgresql slapd ldap-utils softhsm2

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	python3 -m venv $(JES_CACHE)/uv-$(UV_VERSION)
	$(JES_CACHE)/uv-$(UV_VERSION)/bin/pip install --quiet uv==$(UV_VERSION)

.PHONY: system-deps
system-deps: ## install the Debian packages the platform runs on (wkhtmltopdf, CJK fonts)
	@bash scripts/apt-install.sh $(RUN_DEB_PACKAGES)

.PHONY: test-deps
test-deps: ## install the Debian packages the tests add (chromium, postgresql, poppler)
	@bash scripts/apt-install.sh $(TEST_DEB_PACKAGES)

.PHONY: sync
sync: $(UV) ## install the Python workspace into .venv from uv.lock
	$(UV) sync --frozen --quiet

.PHONY: gen
gen: sync ## generate gRPC/protobuf code from protos/ (git-ignored output)
	$(PY) scripts/gen_protos.py

.PHONY: setup
setup: system-deps gen ## everything `run` and `test` need

# What mypy checks: every library and every service (generated stubs come from make gen).
MYPY_PATHS := \
	libs/config/src libs/zhtw/src libs/db/src libs/auth/src libs/grpckit/src \
	libs/objectstore/src libs/events/src libs/protos/src/jes_protos libs/domain/src \
	libs/platform/src libs/servicekit/src \
	services/identity/src services/review-workflow/src services/case-sync/src \
	services/notification/src services/report-render/src services/gateway/src \
	services/photo-storage/src

.PHONY: lint
lint: gen ## ruff, mypy and the layer contracts (import-linter)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy $(MYPY_PATHS)
	@set -e; for config in $(sort $(wildcard services/*/importlinter.ini libs/*/importlinter.ini)); do \
		echo "lint-imports $$config"; $(UV) run --frozen lint-imports $$config; done

.PHONY: fmt
fmt: sync ## format the code
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

.PHONY: test-unit
test-unit: setup test-deps ## unit, service and all-in-one tests (no external servers)
	$(UV) run --frozen pytest libs services tests/allinone -q

.PHONY: infra-up
infra-up: setup test-deps ## start this checkout's Kafka, MinIO, PostgreSQL, SMTP sink; kept up between test runs
	bash deploy/local/infra.sh up

.PHONY: infra-down
infra-down: ## stop the local infrastructure
	bash deploy/local/infra.sh down

.PHONY: test-integration
test-integration: setup test-deps ## cross-service tests on real Kafka, MinIO, PostgreSQL (stops what it started)
	bash deploy/local/infra.sh run $(UV) run --frozen pytest tests/integration -q

.PHONY: test-e2e
test-e2e: setup test-deps ## browser end-to-end tests in headless Chromium
	$(UV) run --frozen pytest tests/e2e -q

.PHONY: test
test: lint k8s-validate test-unit test-integration test-e2e ## every test: lint, unit, integration, browser
	@bash deploy/local/infra.sh summary

.PHONY: run
run: setup ## start the whole platform in all-in-one development mode (demo accounts, /dev/mailbox; loopback only)
	$(UV) run --frozen jes run --target=all --dev

.PHONY: bench
bench: setup ## benchmarks (bench/bench_*.py): photo derivatives, uploads, PDFs; JSON in .cache/bench/results
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script; echo; done

.PHONY: clean
clean: ## remove generated code and runtime data (keeps the download cache)
	rm -rf libs/protos/src/jes var

.PHONY: k8s-validate
k8s-validate: gen ## Dockerfiles, Helm charts, dashboards and alerts: lint, render, validate offline
	$(PY) scripts/k8s_validate.py
