# PyK8s-Lab: `make run` starts the product on embedded defaults; `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

# Tests and benchmarks run on TEST_DATABASE_URL / TEST_REDIS_URL when given, else on the
# machine's PostgreSQL and Redis when they answer, else on throwaway ones (tests/datastores.py).
WITH_DATASTORES = TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
	$(BIN)/python -m tests.datastores
# A fresh database and Redis key prefix per run, so concurrent runs never share state.
TEST_RUN_ID := $(shell $(PYTHON) -c 'import secrets; print(secrets.token_hex(4))')
TEST_ENV = PYK8S_TEST_DB_NAME=test_pyk8s_$(TEST_RUN_ID) PYK8S_REDIS_PREFIX=pyk8s-test-$(TEST_RUN_ID) \
	SECRET_KEY=test-only-$(TEST_RUN_ID)-0123456789abcdefghijklmnopqrstuvwxyz0123456789 \
	PYK8S_JWT_SIGNING_KEY=test-only-jwt-$(TEST_RUN_ID)-0123456789abcdefghijklmnopqrstuvwxyz0123 \
	PYK8S_ENCRYPTION_KEYS=$(TEST_FERNET_KEY) PYK8S_REGISTRATION=open
TEST_FERNET_KEY := $(shell $(PYTHON) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')

# mypy's cache lives outside the clone, so a fresh clone checks in 1 s instead of 15; mypy
# re-checks every module whose source differs from what the cache saw.
MYPY_CACHE ?= $(HOME)/.cache/pyk8s-lab/mypy

export NEXT_TELEMETRY_DISABLED := 1
FRONTEND_DEPS := frontend/node_modules/.installed
FRONTEND_BUILD := frontend/out/index.html
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/next.config.ts frontend/package.json

.PHONY: install run test test-fast lint pytest frontend frontend-test browser lock fmt clean

install: $(STAMP)

$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip sync -q --python $(BIN)/python requirements/dev.txt
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

run: install $(FRONTEND_BUILD)
	$(BIN)/python -m pyk8s.run

# The dashboard: a static export that Django serves; rebuilt when its sources change.
frontend: $(FRONTEND_BUILD)

$(FRONTEND_DEPS): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_BUILD): $(FRONTEND_DEPS) $(FRONTEND_SOURCES)
	cd frontend && npm run build

# Debian's Chromium for the browser tests (Playwright never downloads one).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

lint: install $(FRONTEND_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	# The Django plugin loads settings, which need the keys a real deployment would set.
	$(TEST_ENV) $(BIN)/mypy --cache-dir $(MYPY_CACHE) .
	cd frontend && npm run lint && npm run typecheck

frontend-test: $(FRONTEND_DEPS)
	cd frontend && npm test

# The tests that start no process run on both cores; then those that start real processes
# (daphne, Celery, a browser, private PostgreSQL and Redis servers to restart), also two at a
# time: each pytest-xdist process has its own database and Redis prefix, and hands both to the
# processes it starts. Exit code 5 is pytest's "no test selected", which PYTEST_ARGS may well
# mean for one of the two.
pytest: install $(FRONTEND_BUILD) browser
	$(TEST_ENV) $(WITH_DATASTORES) sh -c '\
		$(BIN)/pytest -n 2 -m "not stack" $(PYTEST_ARGS); fast=$$?; \
		[ $$fast -eq 0 ] || [ $$fast -eq 5 ] || exit $$fast; \
		$(BIN)/pytest -n 2 -m stack $(PYTEST_ARGS); stack=$$?; \
		[ $$stack -eq 5 ] && [ $$fast -eq 0 ] && exit 0; exit $$stack'

test: lint frontend-test pytest

# The edit loop: the suite in parallel, without the tests that start real processes.
test-fast: install
	$(TEST_ENV) $(WITH_DATASTORES) $(BIN)/pytest -n 2 -m "not stack" $(PYTEST_ARGS)

# Benchmarks, not part of `make test`: a database and Redis prefix of their own (removed at
# the end), results in bench/results/. Installs wrk and hyperfine from Debian if missing.
.PHONY: bench
# With a Docker engine running and the real-kind toolchain built, the real_kind benchmark
# runs on them; otherwise it says why it did not run.
bench: install $(FRONTEND_BUILD)
	if docker info >/dev/null 2>&1 && tests/e2e/realkind/toolchain.sh --built; then \
		$(REAL_KIND_ENV) && \
		unset PYK8S_KIND_BINARY PYK8S_KUBERNETES_VERSIONS PYK8S_KIND_NODE_IMAGES \
			PYK8S_TERMINAL_IMAGE; fi && \
	$(TEST_ENV) $(WITH_DATASTORES) $(BIN)/python -m bench $(BENCH_ARGS)

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned sets after editing requirements/*.in.
lock: install
	$(UV) pip compile -q --python-version 3.11 requirements/base.in -o requirements/base.txt
	$(UV) pip compile -q --python-version 3.11 requirements/dev.in -o requirements/dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Real kind on a real Docker engine, outside `make test` (a cold build takes long):
# starts dockerd if none runs, builds or reuses the kind CLI and an offline node
# image, and prints the settings that point PyK8s-Lab at them.
.PHONY: kind-toolchain e2e-real
kind-toolchain:
	tests/e2e/realkind/toolchain.sh

# PyK8s-Lab on that real kind, as a user runs it (tests/e2e/test_real_clusters.py), the
# provider alone (test_real_kind.py), and the test double against it (test_kind_contract.py).
# The toolchain's settings, also as PYK8S_E2E_*, and kind and kubectl on PATH.
REAL_KIND_ENV = eval "$$(tests/e2e/realkind/toolchain.sh)" && \
	export PATH="$$(dirname "$$PYK8S_KIND_BINARY"):$$(dirname "$$KUBECTL"):$$PATH" \
		PYK8S_E2E_KIND_BINARY="$$PYK8S_KIND_BINARY" PYK8S_E2E_KUBECTL="$$KUBECTL" \
		PYK8S_E2E_NODE_IMAGE="$${PYK8S_KIND_NODE_IMAGES\#*=}" \
		PYK8S_E2E_TERMINAL_IMAGE="$$PYK8S_TERMINAL_IMAGE" \
		PYK8S_E2E_WORKLOAD_IMAGE="docker.io/pyk8s-lab/kindnetd:$${PYK8S_KIND_NODE_IMAGES\#\#*:}" \
		VIRTUAL_ENV="$(CURDIR)/$(VENV)"

e2e-real: install $(FRONTEND_BUILD) browser
	$(REAL_KIND_ENV) && \
	$(TEST_ENV) $(WITH_DATASTORES) $(BIN)/pytest -p no:cacheprovider -m realkind \
		tests/e2e tests/clusters/providers $(PYTEST_ARGS)
