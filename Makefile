# Balise: `make demo` runs the main job on the bundled data, `make test` is exactly what CI runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKSPACE ?= demo-workspace
LOCK := requirements.lock

.PHONY: demo test check lint typecheck unit bench docs clean web web-check screenshots lock

# Installs exactly the locked versions, each checked against its hash, then Balise itself.
$(STAMP): pyproject.toml $(LOCK) setup.py src/balise/io/_nmea_kernel.c src/balise/io/_dcsa_kernel.c \
		src/balise/maritime/_segment_kernel.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Regenerates the lock from pyproject.toml's dependencies and the dev extra (Python 3.11, Linux),
# keeping the pins that still fit; `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest
# release. Run it after changing the dependencies and commit both files together. PyICU is
# published as source only (it needs ICU's headers to build): the lock keeps the releases of the
# FtM libraries that do without it.
LOCK_FLAGS ?=
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --only-binary pyicu $(LOCK_FLAGS) \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command "make lock" --quiet --output-file $(LOCK)

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
