# InfusionDesk: `make run` opens the app, `make test` runs every check CI runs, `make dist` builds the desktop app
# (dist/InfusionDesk, one folder) and `make dist-check` runs the built app.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ENV := QT_QPA_PLATFORM=offscreen

.PHONY: run test lint bench screenshots dist dist-check clean

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
	$(BIN)/ruff check infusiondesk ui reports tests benchmarks scripts packaging
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/store_api.py --check
	$(BIN)/pytest benchmarks --collect-only -q -p no:randomly > /dev/null  # `make bench` still imports

test: $(STAMP)
	@bash scripts/system-deps.sh test
	$(MAKE) --no-print-directory lint
	$(PYTEST_ENV) $(BIN)/pytest -n auto --dist worksteal

bench: $(STAMP)
	@bash scripts/system-deps.sh test
	$(PYTEST_ENV) $(BIN)/pytest benchmarks --benchmark-only \
		--benchmark-columns=min,median,mean,max,rounds --benchmark-sort=name

# the frozen build needs PyInstaller (the `dist` extra), installed here only
DIST_STAMP := $(VENV)/.dist-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
$(DIST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,dist]'
	rm -f $(VENV)/.dist-*
	touch $@

dist: $(DIST_STAMP)
	rm -rf dist/InfusionDesk dist/InfusionDesk.app
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/infusiondesk.spec
	@if [ -d dist/InfusionDesk ] && [ "$$(uname)" = Linux ]; then \
		cp packaging/infusiondesk.desktop packaging/infusiondesk.png packaging/install-linux.sh dist/InfusionDesk/; fi
	@echo "Built dist/InfusionDesk (make dist-check runs it)"

dist-check:
	@bash scripts/system-deps.sh test
	$(BIN)/python scripts/dist_check.py dist/InfusionDesk

screenshots: $(STAMP)
	@bash scripts/system-deps.sh screenshots
	$(PYTEST_ENV) $(BIN)/python -m infusiondesk_ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .hypothesis .benchmarks
