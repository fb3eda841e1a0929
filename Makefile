# InfusionDesk: `make run` opens the app, `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ENV := QT_QPA_PLATFORM=offscreen

.PHONY: run test lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	@bash scripts/system-deps.sh run
	$(BIN)/infusiondesk

lint: $(STAMP)
	$(BIN)/ruff check infusiondesk ui reports tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP)
	@bash scripts/system-deps.sh test
	$(MAKE) --no-print-directory lint
	$(PYTEST_ENV) $(BIN)/pytest

bench: $(STAMP)
	@bash scripts/system-deps.sh test
	$(PYTEST_ENV) $(BIN)/pytest benchmarks --benchmark-only \
		--benchmark-columns=min,median,mean,max,rounds --benchmark-sort=name

screenshots: $(STAMP)
	@bash scripts/system-deps.sh screenshots
	$(PYTEST_ENV) $(BIN)/python -m infusiondesk_ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .hypothesis .benchmarks
