# smevoucher: `make demo` serves the platform on http://127.0.0.1:8000, `make test` checks it.
# Every target installs what it needs into .venv first (only when pyproject.toml or the
# constraints changed since the last install).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON3 ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(PY) -m pip
RUFF := $(VENV)/bin/ruff
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.smevoucher-installed
TEST_SETTINGS := smevoucher.settings.test
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k sms -x"`.
PYTEST_ARGS ?=

BENCH_STAMP := $(VENV)/.smevoucher-bench-installed
# Extra arguments for bench/run.py, e.g. `make bench BENCH_ARGS="--reuse-data"`.
BENCH_ARGS ?=

.PHONY: help install demo test lint fmt test-browser constraints bench bench-quick

help:
	@echo "make demo          install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test          install, ruff, makemigrations --check, pytest"
	@echo "make lint          ruff check and ruff format --check"
	@echo "make fmt           ruff format and ruff check --fix"
	@echo "make test-browser  only the browser tests, which must run (needs Debian chromium)"
	@echo "make bench         province-scale benchmark on PostgreSQL + Redis, report in bench/results/"
	@echo "make bench-quick   the same on a small data set, seconds per scenario (CI)"
	@echo "make constraints   rewrite $(CONSTRAINTS) from the virtualenv"

$(PY):
	$(PYTHON3) -m venv $(VENV)

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install -e '.[dev]' -c $(CONSTRAINTS)
	@touch $@

install: $(STAMP)

$(BENCH_STAMP): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install -e '.[dev,bench]' -c $(CONSTRAINTS)
	@touch $@ $(STAMP)

demo: install
	$(PY) manage.py migrate --noinput
	@if command -v msgfmt >/dev/null 2>&1; then \
		echo "$(PY) manage.py compilemessages"; \
		$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=node_modules; \
	else \
		echo "msgfmt not found (apt-get install gettext): using the committed .mo files"; \
	fi
	$(PY) manage.py demo_data
	@echo "服务券平台演示 / demo: http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(RUFF) check .
	$(RUFF) format --check .

fmt: install
	$(RUFF) format .
	$(RUFF) check --fix .

test: lint
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) $(VENV)/bin/pytest $(PYTEST_ARGS)

test-browser: install
	REQUIRE_BROWSER=1 DJANGO_SETTINGS_MODULE=$(TEST_SETTINGS) \
		$(VENV)/bin/pytest smevoucher/tests_browser $(PYTEST_ARGS)

bench: $(BENCH_STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(PY) bench/run.py --quick $(BENCH_ARGS)

constraints: | $(PY)
	{ grep '^#' $(CONSTRAINTS); $(PIP) freeze --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	@touch $(STAMP)
