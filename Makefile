# make test: create .venv if needed, install from the lock, run mypy and the whole suite.
# make demo: run the local network demo (validator + miners on loopback).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NPM_DIR := scripts/devchain
NPM_STAMP := $(NPM_DIR)/node_modules/.installed
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: install test typecheck pytest demo bench clean

install: $(VENV_STAMP) $(NPM_STAMP)

$(VENV_STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11 is required)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

$(NPM_STAMP): $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found (Node.js 20 is required for the devchain)"; exit 1; }
	npm ci --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error
	touch $@

typecheck: $(VENV_STAMP)
	$(VENV)/bin/mypy

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: install typecheck pytest

demo: $(VENV_STAMP)
	$(PY) -m scripts.localnet $(DEMO_ARGS)

bench: install
	$(PY) scripts/bench_replay.py
	$(PY) scripts/bench_simulator.py

clean:
	rm -rf $(VENV) $(NPM_DIR)/node_modules .mypy_cache .pytest_cache .hypothesis
