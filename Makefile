# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY313 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
PYTHON ?= $(if $(PY313),$(PY313),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 3000
export PATH := $(CURDIR)/$(BIN):$(if $(PY313),$(dir $(PY313)):,)$(PATH)

.PHONY: venv run test test-fast lint template dataclass-sources validate build bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml layers/core/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r layers/core/requirements.txt --group dev
	touch $@

run: $(STAMP)
	$(BIN)/python -m localapi --port $(PORT)

# The browser tests need Debian's chromium; without it they are skipped, and this says so loudly.
CHROMIUM := /usr/bin/chromium
CHROMIUM_WARNING := if [ ! -x $(CHROMIUM) ]; then printf '\n%s\n%s\n%s\n\n' \
	'!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' \
	'!! WARNING: $(CHROMIUM) is missing: the browser tests are SKIPPED. Install it: apt-get install -y chromium' \
	'!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!' >&2; fi

# The frappe-js-sdk tests drive the real npm package (tests/clients/frappe-js, pinned by its lock file).
FRAPPE_JS := tests/clients/frappe-js
NODE_STAMP := $(FRAPPE_JS)/node_modules/.package-lock.json
$(NODE_STAMP): $(FRAPPE_JS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix $(FRAPPE_JS) --no-audit --no-fund --loglevel=error; \
	else echo '!! npm is missing: the frappe-js-sdk tests are SKIPPED (apt-get install -y nodejs npm)' >&2; fi

# An older botocore, as Lambda's python3.13 runtime may ship (the layer ships none): the layer's
# botocore fast paths are checked against it too (tests/unit/test_older_botocore.py).
OLDER_BOTOCORE := 1.35.99
OLDER_BOTOCORE_STAMP := $(VENV)/botocore-older/.installed-$(OLDER_BOTOCORE)
$(OLDER_BOTOCORE_STAMP): $(STAMP)
	rm -rf $(VENV)/botocore-older
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --target $(VENV)/botocore-older "botocore==$(OLDER_BOTOCORE)"
	touch $@

test: $(STAMP) $(NODE_STAMP) $(OLDER_BOTOCORE_STAMP)
	@$(CHROMIUM_WARNING)
	$(BIN)/python -m pytest -n 2 --dist loadgroup; status=$$?; $(CHROMIUM_WARNING); exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# template.yaml is generated from the registry (tools/template.py); never edit it by hand.
template: $(STAMP)
	$(BIN)/python -m tools.template --write

# The methods dataclasses generates for the layer, compiled at build time (tools/dataclass_sources.py).
dataclass-sources: $(STAMP)
	$(BIN)/python -m tools.dataclass_sources --write

validate: $(STAMP)
	$(BIN)/sam validate --lint
	$(BIN)/cfn-lint template.yaml

build: $(STAMP)
	$(BIN)/sam build

# `make bench BENCH_ARGS="--runs 3"` for a quick run; `--only cold,warm,...` for some sections.
bench: $(STAMP)
	PYTHONPATH=layers/core/python:. $(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .hypothesis

# The DRF oracle, not part of `make test`: run the real seed project (../shared/references/drf-seed)
# at its own pins in .venv-drf (Python 3.9: Django 3.1.8 runs on 3.6-3.9) and record its answers to
# the conformance corpus (tests/conformance/drf/); `make test` replays them against our API.
DRF_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) $(shell command -v python3.9 2>/dev/null))
DRF_VENV := .venv-drf
.PHONY: record-drf
record-drf: $(STAMP)
	@test -n "$(DRF_PYTHON)" || { echo "record-drf: needs python3.9 (pyenv install 3.9)" >&2; exit 1; }
	test -x $(DRF_VENV)/bin/python || $(DRF_PYTHON) -m venv $(DRF_VENV)
	$(DRF_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/conformance/drf/requirements.txt
	$(BIN)/python tests/conformance/drf/corpus.py --write
	$(DRF_VENV)/bin/python -m tools.conformance.drf.record

# The Flask-Restless oracle, not part of `make test`: real Flask-Restless 0.17.0 at its working pins
# (../shared/references/README.md) in .venv-restless (Python 3.7), serving our catalog mirrored as
# SQLAlchemy models (tools/conformance/restless/app.py); records its answers to the conformance corpus
# (tests/conformance/restless/); `make test` replays them against our API.
RESTLESS_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.7*/bin/python3.7) $(shell command -v python3.7 2>/dev/null))
RESTLESS_VENV := .venv-restless
.PHONY: record-restless
record-restless: $(STAMP)
	@test -n "$(RESTLESS_PYTHON)" || { echo "record-restless: needs python3.7 (pyenv install 3.7)" >&2; exit 1; }
	test -x $(RESTLESS_VENV)/bin/python || $(RESTLESS_PYTHON) -m venv $(RESTLESS_VENV)
	$(RESTLESS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/conformance/restless/requirements.txt
	$(BIN)/python tests/conformance/restless/corpus.py --write
	PYTHONHASHSEED=0 $(RESTLESS_VENV)/bin/python -W ignore -m tools.conformance.restless.record
