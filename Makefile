# Siaga112 — one command each: `make demo`, `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: install system-deps assets demo serve test lint bench clean

install: system-deps $(STAMP) assets

system-deps:
	@scripts/ensure-system-deps.sh

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	@touch $(STAMP)

assets: web/static/vendor/.installed

web/static/vendor/.installed: package.json scripts/vendor-assets.sh
	@scripts/vendor-assets.sh

# `make demo PORT=5001` when 5000 is taken (also `make serve PORT=…`).
PORT ?= 5000

demo: install
	$(VENV)/bin/siaga112 demo --port $(PORT)

serve: install
	$(VENV)/bin/siaga112 serve --port $(PORT)

test: install
	scripts/run-tests

lint: install
	$(VENV)/bin/ruff check .
	scripts/check-js

bench: install
	$(VENV)/bin/siaga112 bench recommend --units 10000
	$(VENV)/bin/siaga112 bench recommend --units 10000 --roads generate
	$(VENV)/bin/siaga112 bench coverage --units 200
	$(VENV)/bin/siaga112 bench intake
	$(VENV)/bin/siaga112 bench classify
	$(VENV)/bin/siaga112 bench ingest --units 1000 --seconds 10

clean:
	rm -rf $(VENV) node_modules web/static/vendor var test-artifacts
