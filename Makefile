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
# a room opens the join link together: one kernel kept warm per member (each about 45 MiB while it waits)
ROOM_PREHEAT ?= 12

.PHONY: help app room test test-unit test-notebooks test-browser test-storage bench report notebooks lint demo clean js

# every target has a `## ` comment on its line: `make help` lists them from there
help: ## list the targets (this list)
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z-]*:.*## / {printf "make %-15s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST)) \
	  | sed 's|\$$(PORT)|$(PORT)|g'

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

$(STAMP_DIR)/.workbook-test: pyproject.toml js/package-lock.json $(STAMP_DIR)/.workbook-app
	$(PY) -m pip install --quiet -e ".[test]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@# the member pages' browser code, to test it and to check that the built copy in the template is current
	cd js && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# the benchmarks also measure the Panel peer (the `bench` extra); `make test` does not need it
$(STAMP_DIR)/.workbook-bench: pyproject.toml $(STAMP_DIR)/.workbook-test
	$(PY) -m pip install --quiet -e ".[bench]"
	-$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@touch $@

app: $(STAMP_DIR)/.workbook-app ## set up (first time) and serve the workbook apps at http://127.0.0.1:$(PORT)
	$(BIN)workbook demo --if-empty --network $(DEMO_NETWORK)
	$(BIN)workbook serve --port $(PORT) --preheat $(PREHEAT)

# A room: listens on this machine's network address; every link and QR code carries the room's access secret.
# PUBLIC_URL=http://ADDRESS:PORT/ names the address members open when it cannot be found (or a proxy's).
room: $(STAMP_DIR)/.workbook-app ## serve a room on this machine's network: members join with the QR code on the projector
	$(BIN)workbook demo --if-empty --network $(DEMO_NETWORK)
	$(BIN)workbook serve --room --port $(ROOM_PORT) --preheat $(ROOM_PREHEAT) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL))

# A convening on this machine: PostgreSQL, SERVERS `workbook serve` and HAProxy in front (deploy/README.md).
# CONVENING_PORT is the balancer's port members open; ROOM=1 serves the room's network; PUBLIC_URL as for `make room`.
SERVERS ?= 3
CONVENING_PORT ?= 8866
.PHONY: convening
convening: $(STAMP_DIR)/.workbook-app ## PostgreSQL, SERVERS workbook serve and HAProxy in front (deploy/README.md)
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { echo "convening: installing Debian's haproxy"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null; }
	$(PY) -m workbook.serve.convening --servers $(SERVERS) --port $(CONVENING_PORT) --preheat $(PREHEAT) \
	  $(if $(ROOM),--room) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL)) $(if $(BASE_URL),--base-url $(BASE_URL))

demo: $(STAMP_DIR)/.workbook-app ## add fictional demo data to the store (workbook demo)
	$(BIN)workbook demo

report: $(STAMP_DIR)/.workbook-app ## write an HTML report per district into reports/
	$(BIN)workbook report --out reports --workers $(WORKERS)

# JupyterLab with this environment's kernel and store (WORKBOOK_DB_URL, else the local default), on notebooks/;
# LAB_DIR=reports opens the executed district notebooks `workbook report --notebooks` kept (charts drawn).
LAB_DIR ?= notebooks
.PHONY: lab
lab: $(STAMP_DIR)/.workbook-app ## JupyterLab on notebooks/ (LAB_DIR=reports for the kept report notebooks)
	$(BIN)jupyter lab --ServerApp.root_dir=$(LAB_DIR) --ServerApp.ip=127.0.0.1

test: $(STAMP_DIR)/.workbook-test ## set up (first time) and run every test (the lint hooks first)
	$(LINT)
	$(PY) -m pytest tests

test-unit: $(STAMP_DIR)/.workbook-test ## the unit tests only (tests/unit, no browser)
	$(PY) -m pytest tests/unit

test-notebooks: $(STAMP_DIR)/.workbook-test ## nbval over every stored notebook (tests/notebooks)
	$(PY) -m pytest tests/notebooks

test-browser: $(STAMP_DIR)/.workbook-test ## the apps in Chromium (tests/browser)
	$(PY) -m pytest tests/browser

test-storage: $(STAMP_DIR)/.workbook-test ## SQLite and PostgreSQL (tests/storage)
	$(PY) -m pytest tests/storage

# Re-execute the stored notebooks against fresh demo data (their outputs are what nbval compares).
notebooks: $(STAMP_DIR)/.workbook-test ## re-execute the stored notebooks against fresh demo data
	$(PY) -m tests.notebooks.harness --refresh

# REPEAT=3: every group run three times; a target row is met only when it passes in every run
REPEAT ?= 1
bench: $(STAMP_DIR)/.workbook-bench ## run the benchmarks (benchmarks/)
	@# the browser groups drive Debian's Chromium (as the browser tests do; .ci/run installs it the same way)
	@command -v chromium >/dev/null || { echo "bench: installing Debian's chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
	$(PY) -m benchmarks.run --repeat $(REPEAT)

# The member pages' browser code (js/src) built into the template (share/.../static/workbook-page.{js,css}); the
# built files are kept in the repository, so `make app` needs no Node.js. Run after changing js/.
js: ## rebuild the member pages' browser code (js/) into the Voila template
	cd js && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

# every hook of .pre-commit-config.yaml on every file: end-of-file and whitespace fixes, ruff, and pyright (basic
# mode, [tool.pyright] in pyproject.toml) on the package; the hooks run the environment's own tools
LINT = PATH="$(BIN):$$PATH" $(BIN)pre-commit run --all-files --show-diff-on-failure
lint: $(STAMP_DIR)/.workbook-test ## end-of-file and whitespace fixes, ruff, pyright on workbook/ (.pre-commit-config.yaml)
	$(LINT)

clean: ## remove .venv, reports and test artifacts
	rm -rf .venv .pytest_cache reports artifacts
