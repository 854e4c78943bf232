# Two commands to begin: `make run` and `make test`. Everything else is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per kind of install: the app alone (make run, make bench) or with the dev extras.
APP    := $(VENV)/.installed-app
DEV    := $(VENV)/.installed-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast install test-deps lint clean audit bench bench-deps bench-servers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(APP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The dev extras include the app, so this install also stands for the app's.
$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(APP)

install: $(DEV)

## make run: create .venv, install the app, migrate the embedded SQLite database and serve on 127.0.0.1:5000
run: $(APP)
	$(BIN)/bakery db upgrade
	$(BIN)/bakery serve

## make test: install what the tests need, lint, and run the whole suite
test: $(DEV) lint test-deps audit
	$(BIN)/python -m pytest

## make test-fast: unit tests and the SQLite variants only (no PostgreSQL, browser, deploy linters
## or heavy variants), for a quick loop while editing
test-fast: $(DEV)
	BAKERY_HEAVY=0 $(BIN)/python -m pytest -m "not postgres" --ignore=tests/e2e --ignore=tests/deploy

## make lint: ruff over the code, tests, benchmarks and scripts; mypy over src/bakery (pyproject.toml)
lint: $(DEV)
	$(BIN)/ruff check
	$(BIN)/mypy

# System packages some tests drive for real (a browser, linters); installed when missing.
test-deps:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

## make bench: every benchmark in bench/ (a few minutes; prints figures, see docs/benchmarks.md)
bench: $(APP) bench-deps
	cd bench && ../$(BIN)/python statements.py
	cd bench && ../$(BIN)/python statements.py --sqlite
	cd bench && ../$(BIN)/python sales_throughput.py
	cd bench && ../$(BIN)/python sqlite_throughput.py
	cd bench && ../$(BIN)/python memory.py
	cd bench && ../$(BIN)/python history.py
	cd bench && ../$(BIN)/python till_reads.py
	cd bench && ../$(BIN)/python request_costs.py

## make bench-servers: the candidate production servers side by side (docs/benchmarks.md); they
## are installed into a venv of the benchmark's own, never into the app's dependencies
SERVERS := $(VENV)/servers/.installed
$(SERVERS): pyproject.toml | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/servers
	$(VENV)/servers/bin/python -m pip install --quiet -e . 'granian>=2.5,<3' 'uwsgi>=2.0.28,<2.1'
	touch $@

bench-servers: $(SERVERS) bench-deps
	cd bench && ../$(VENV)/servers/bin/python servers_compare.py

# Load generators the benchmarks drive (wrk for HTTP, pgbench for the SQL baseline), and
# valgrind, whose callgrind counts the instructions of a request.
bench-deps:
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	@command -v valgrind >/dev/null || (apt-get update && apt-get install -y valgrind)
	@ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || command -v pgbench >/dev/null || \
		(apt-get update && apt-get install -y postgresql-contrib)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

## make audit: known vulnerabilities in the installed dependencies (pip-audit); skipped offline
audit: $(DEV)
	$(BIN)/python scripts/audit_deps.py

# Linters for the deployment files (tests/deploy). checkov pins its own dependencies (an older
# `packaging` than pytest needs), so it lives in a venv of its own under .venv/.
CHECKOV := $(VENV)/checkov/bin/checkov
$(CHECKOV): | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet 'checkov>=3.2,<4'

.PHONY: deploy-test-deps
deploy-test-deps: $(CHECKOV)
	@command -v nginx >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx)
	@command -v systemd-analyze >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd)
	@command -v openssl >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openssl)

test-deps: deploy-test-deps
