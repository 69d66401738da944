# The two commands a new user needs: `make app` and `make test`.
# Both create a local virtual environment (.venv) when none is active.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ifdef VIRTUAL_ENV
PY := $(VIRTUAL_ENV)/bin/python
STAMP_DIR := $(VIRTUAL_ENV)
else ifdef CONDA_PREFIX
PY := $(CONDA_PREFIX)/bin/python
STAMP_DIR := $(CONDA_PREFIX)
else
PY := .venv/bin/python
STAMP_DIR := .venv
endif
BIN := $(dir $(PY))
PORT ?= 8866
PREHEAT ?= 2
# fictional districts seeded with the demo team on a first run, so the coach's network overview has peers to show
DEMO_NETWORK ?= 36
WORKERS ?= 2

ROOM_PORT ?= 8866

.PHONY: help app room test test-unit test-notebooks test-browser test-storage bench report notebooks lint demo clean

help:
	@echo "make app    - set up (first time) and serve the workbook apps at http://127.0.0.1:$(PORT)"
	@echo "make room   - serve a room on this machine's network: members join with the QR code on the projector"
	@echo "make test   - set up (first time) and run every test"
	@echo "make report - write an HTML report per district into reports/"
	@echo "make bench  - run the benchmarks (benchmarks/)"

$(PY):
	python3 -m venv .venv

$(STAMP_DIR)/.workbook-app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[postgres]"
	@# jsonschema imports rfc3987_syntax when present; it builds parser grammars at import and costs every
	@# nbformat-loading process (Voila, papermill, nbval, kernels) ~1.8 s. Nothing here needs it.
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@# the smaller plotly.js bundles the pages load (workbook/assets.py); without npm, pages use the full one
	-$(PY) -m workbook.assets
	@touch $@

$(STAMP_DIR)/.workbook-test: pyproject.toml $(STAMP_DIR)/.workbook-app
	$(PY) -m pip install --quiet -e ".[test]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@touch $@

# the benchmarks also measure the Panel peer (the `bench` extra); `make test` does not need it
$(STAMP_DIR)/.workbook-bench: pyproject.toml $(STAMP_DIR)/.workbook-test
	$(PY) -m pip install --quiet -e ".[bench]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@touch $@

app: $(STAMP_DIR)/.workbook-app
	$(BIN)workbook demo --if-empty --network $(DEMO_NETWORK)
	$(BIN)workbook serve --port $(PORT) --preheat $(PREHEAT)

# A room: listens on this machine's network address; every link and QR code carries the room's access secret.
# PUBLIC_URL=http://ADDRESS:PORT/ names the address members open when it cannot be found (or a proxy's).
room: $(STAMP_DIR)/.workbook-app
	$(BIN)workbook demo --if-empty --network $(DEMO_NETWORK)
	$(BIN)workbook serve --room --port $(ROOM_PORT) --preheat $(PREHEAT) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL))

# A convening on this machine: PostgreSQL, SERVERS `workbook serve` and HAProxy in front (deploy/README.md).
# CONVENING_PORT is the balancer's port members open; ROOM=1 serves the room's network; PUBLIC_URL as for `make room`.
SERVERS ?= 3
CONVENING_PORT ?= 8866
.PHONY: convening
convening: $(STAMP_DIR)/.workbook-app
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { echo "convening: installing Debian's haproxy"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null; }
	$(PY) -m workbook.convening --servers $(SERVERS) --port $(CONVENING_PORT) --preheat $(PREHEAT) \
	  $(if $(ROOM),--room) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL)) $(if $(BASE_URL),--base-url $(BASE_URL))

demo: $(STAMP_DIR)/.workbook-app
	$(BIN)workbook demo

report: $(STAMP_DIR)/.workbook-app
	$(BIN)workbook report --out reports --workers $(WORKERS)

# JupyterLab with this environment's kernel and store (WORKBOOK_DB_URL, else the local default), on notebooks/;
# LAB_DIR=reports opens the executed district notebooks `workbook report --notebooks` kept (charts drawn).
LAB_DIR ?= notebooks
.PHONY: lab
lab: $(STAMP_DIR)/.workbook-app
	$(BIN)jupyter lab --ServerApp.root_dir=$(LAB_DIR) --ServerApp.ip=127.0.0.1

test: $(STAMP_DIR)/.workbook-test
	$(BIN)ruff check workbook tests benchmarks
	$(PY) -m pytest tests

test-unit: $(STAMP_DIR)/.workbook-test
	$(PY) -m pytest tests/unit

test-notebooks: $(STAMP_DIR)/.workbook-test
	$(PY) -m pytest tests/notebooks

test-browser: $(STAMP_DIR)/.workbook-test
	$(PY) -m pytest tests/browser

test-storage: $(STAMP_DIR)/.workbook-test
	$(PY) -m pytest tests/storage

# Re-execute the stored notebooks against fresh demo data (their outputs are what nbval compares).
notebooks: $(STAMP_DIR)/.workbook-test
	$(PY) -m tests.notebooks.harness --refresh

# REPEAT=3: every group run three times; a target row is met only when it passes in every run
REPEAT ?= 1
bench: $(STAMP_DIR)/.workbook-bench
	@# the browser groups drive Debian's Chromium (as the browser tests do; .ci/run installs it the same way)
	@command -v chromium >/dev/null || { echo "bench: installing Debian's chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
	$(PY) -m benchmarks.run --repeat $(REPEAT)

lint: $(STAMP_DIR)/.workbook-test
	$(BIN)ruff check workbook tests benchmarks

clean:
	rm -rf .venv .pytest_cache reports artifacts
