# Every target sets up what it needs on a fresh machine (Python 3.11+ with venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PKGS   := unmask tests conformance benchmarks scripts

.PHONY: demo test lint format check conformance kb bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## kb: install the knowledge base unless a current one is installed
kb: $(VENV)/.installed
	@$(BIN)/unmask kb info >/dev/null 2>&1 || $(BIN)/unmask kb install

## demo: set up, install the KB, run the demo
demo: kb
	$(BIN)/unmask demo

## test: unit tests (hermetic, no network, no shared datasets)
test: $(VENV)/.installed-test
	$(BIN)/pytest -q

## lint: ruff (lint + format check) and mypy --strict on the package
lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(PKGS)
	$(BIN)/ruff format --check $(PKGS)
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix $(PKGS)
	$(BIN)/ruff format $(PKGS)

## check: what CI runs before the conformance suites
check: lint test

## conformance: suites over ../shared/datasets and the installed KB (and the report in Chromium)
conformance: $(VENV)/.installed-test kb browser
	$(BIN)/pytest -q -rs conformance

## browser: headless Chromium for the report test (Debian package; skipped when it cannot be installed)
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
		|| echo "chromium could not be installed: the browser test will be skipped"

## bench: benchmarks; results go to docs/benchmarks/
bench: kb
	$(BIN)/python benchmarks/kb_load.py
	$(BIN)/python benchmarks/attribution.py
	$(BIN)/python benchmarks/hunt.py
	$(BIN)/python benchmarks/extract.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
