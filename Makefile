# Balise: `make demo` runs the main job on the bundled data, `make test` is exactly what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKSPACE ?= demo-workspace

.PHONY: demo test check lint typecheck unit bench docs clean web web-check screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) web
	$(BIN)/balise --workspace $(WORKSPACE) demo

# The web application (web/) is built into the package (src/balise/web/static) and committed, so
# that pip users need no Node; `make web` rebuilds it when its sources changed, `make web-check`
# (run by CI) fails if the committed build differs from the sources (docs/decisions/0005).
WEB_SOURCES := web/package.json web/package-lock.json web/.npmrc web/vite.config.js web/index.html \
	web/api-docs.html $(wildcard web/src/*)
WEB_BUILD := src/balise/web/static/index.html
WEB_MODULES := web/node_modules/.package-lock.json

web: $(WEB_BUILD)

$(WEB_MODULES): web/package-lock.json
	cd web && npm ci --no-audit --no-fund

$(WEB_BUILD): $(WEB_SOURCES)
	@if ! command -v npm >/dev/null; then echo "npm not found: keeping the committed web build"; exit 0; fi; \
	$(MAKE) $(WEB_MODULES) && cd web && npm run build

web-check: $(WEB_MODULES)
	cd web && npm run build
	git diff --exit-code --stat -- src/balise/web/static
	test -z "$$(git status --porcelain -- src/balise/web/static)"

# the README's pictures: the browser tests save the map, dossier and inbox views
screenshots: $(STAMP) web
	BALISE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

check: test

docs: $(STAMP)
	$(BIN)/python -m balise.docs

bench: $(STAMP)
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) $(WORKSPACE) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
