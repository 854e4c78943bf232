# Two commands to begin: `make run` and `make test`. Everything else is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install test-deps lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

## make run: create .venv, install, migrate the embedded SQLite database and serve on 127.0.0.1:5000
run: $(STAMP)
	$(BIN)/bakery db upgrade
	$(BIN)/bakery serve

## make test: install what the tests need and run the whole suite
test: $(STAMP) test-deps
	$(BIN)/python -m pytest

# System packages some tests drive for real (a browser, linters); installed when missing.
test-deps:
	@true

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts

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
