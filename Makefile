# The README's commands. `make run` serves the seeded portal; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := portal
# Every absolute link the portal writes (mail, feeds, exports) starts with this address.
export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-sqlite test-postgres lint format install install-dev translations db seed index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The Nu Html Checker for the tests (run with Java, offline); its downloader script is not run.
VNU := node_modules/vnu-jar/build/dist/vnu.jar
$(VNU): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev $(VNU) translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations > /dev/null

db: install
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed

index: seed
	@$(BIN)/flask search verify > /dev/null 2>&1 || $(BIN)/flask search rebuild

run: index
	@echo "Eksempelbanken: http://$(HOST):$(PORT)/"
	PORTAL_INSECURE_COOKIES=1 $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) \
		"portal:create_app()"

# Every test on SQLite, then again on PostgreSQL (a throwaway cluster, see tests/pgcluster.py).
test: test-sqlite test-postgres

test-sqlite: install-dev
	$(BIN)/python -m pytest --db sqlite

test-postgres: install-dev
	$(BIN)/python -m pytest --db postgres

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules
