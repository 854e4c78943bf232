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
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
