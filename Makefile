# Rebound: `make dev` runs the embedded stack, `make test` runs the whole suite.
# Each target creates/updates .venv from pyproject.toml first, so a fresh machine needs only Python 3.11, pip, make.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCHES := bench/lifecycle.py bench/reconcile.py bench/import_orders.py bench/queues.py

.PHONY: install dev test lint format bench surge chaos clean messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

dev: install
	$(BIN)/rebound dev

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract page and mail texts and merge them into the zh-Hant / zh-Hans catalogues (then translate the new ones).
messages: install
	$(BIN)/pybabel extract --no-wrap --no-location --omit-header -F babel.cfg -o var/messages.pot .
	@for l in zh_Hant zh_Hans; do $(BIN)/pybabel update --no-wrap --no-fuzzy-matching --omit-header -i var/messages.pot -o templates/i18n/$$l.po -l $$l; done

bench: install
	@set -e; for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b; done

# Peak-season burst through the API, drained, against bare Temporal (long: not in BENCHES); CASES=10000.
surge: install
	$(BIN)/python bench/surge.py --cases $(or $(CASES),10000)

# Crashes and restarts under load (worker SIGKILL, Temporal and PostgreSQL restarts, payment faults); CASES=1000.
chaos: install
	$(BIN)/python bench/chaos.py --cases $(or $(CASES),1000)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
