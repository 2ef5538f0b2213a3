# revops: `make run` starts the app on a fresh machine, `make test` runs the whole suite.
# GNU make. Everything runs inside .venv; requirements are re-installed only when they change.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PYTEST := $(VENV)/bin/pytest
INSTALL_STAMP := $(VENV)/.requirements-installed

PORT ?= 8000
PYTEST_WORKERS ?= 2
# `make test` also runs the suite on this PostgreSQL database (Django creates test_<name>);
# set it empty (`make test TEST_DATABASE_URL=`) to skip that run.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/revops
# Redis database the real-worker tests use as broker; it is emptied before and after.
CELERY_TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Schemathesis examples per API operation for the admin token (a fifth for the rep and the
# partner) in the SQLite run; the PostgreSQL run keeps the test's default (6). The deep run is
# bench/api_fuzz.py.
FUZZ_EXAMPLES ?= 50
# File database shared by the test process and the Celery worker it starts.
CELERY_TEST_SQLITE_PATH ?= $(CURDIR)/var/test-celery.sqlite3

# mypy (config in pyproject.toml) checks the core and every app's engine, package or module.
MYPY_PATHS := revops $(wildcard */engine */engine.py */*/engine */*/engine.py)

# Markers (pyproject.toml): celery_worker and browser need outside programs and run on their
# own; postgres tests need PostgreSQL. Runs deselect with -m, so nothing is ever skipped, and
# a run that collects no test (pytest exit code 5) fails the build like any other failure.
UNIT_MARKERS := not celery_worker and not browser and not postgres
PG_MARKERS := not celery_worker and not browser

.PHONY: help install run migrate seed static logins test lint fmt check-migrations \
        test-sqlite test-postgres test-celery test-browser bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

$(PY):
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

$(INSTALL_STAMP): requirements/base.txt requirements/prod.txt requirements/dev.txt | $(PY)
	@echo "Installing the pinned requirements into $(VENV) (the first run takes a few minutes)..."
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -r requirements/dev.txt \
	  | { grep -E '^(Collecting|Successfully installed)' || true; }
	touch $@

install: $(INSTALL_STAMP)  ## create .venv and install the pinned requirements (once per change)

migrate: install  ## apply migrations to the configured database (default var/revops.sqlite3)
	$(MANAGE) migrate --noinput

seed: migrate  ## load the demo organizations (idempotent: a second run adds nothing)
	$(MANAGE) seed_demo --quiet

static: install  ## collect static files into var/static
	$(MANAGE) collectstatic --noinput --verbosity 0

logins: install  ## print the demo logins
	$(MANAGE) demo_logins

run: seed static  ## migrate, seed the demo once, print the logins, serve on 127.0.0.1:PORT (8000)
	$(MANAGE) demo_logins
	$(MANAGE) runserver 127.0.0.1:$(PORT)

lint: install  ## ruff, formatting, import contracts, types (mypy), missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy $(MYPY_PATHS)
	$(MAKE) --no-print-directory check-migrations

check-migrations: install
	TEST_DATABASE_URL= DJANGO_SETTINGS_MODULE=revops.settings.test $(MANAGE) makemigrations --check --dry-run

fmt: install  ## fix what ruff can fix and format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint test-sqlite  ## the whole suite: lint, SQLite, PostgreSQL, real Celery worker, browser
ifneq ($(strip $(TEST_DATABASE_URL)),)
	$(MAKE) --no-print-directory test-postgres
endif
	$(MAKE) --no-print-directory test-celery
	$(MAKE) --no-print-directory test-browser

test-sqlite: install  ## unit and page tests on in-memory SQLite, in parallel
	TEST_DATABASE_URL= TEST_SQLITE_PATH= REVOPS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(PYTEST) -n $(PYTEST_WORKERS) -m "$(UNIT_MARKERS)"

test-postgres: install  ## the same suite plus postgres-only tests on TEST_DATABASE_URL
	@test -n "$(TEST_DATABASE_URL)" || { echo "TEST_DATABASE_URL is empty"; exit 2; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" TEST_SQLITE_PATH= \
	  $(PYTEST) -n $(PYTEST_WORKERS) --create-db -m "$(PG_MARKERS)"

test-celery: install  ## real Celery worker (subprocess) on Redis, file SQLite shared with it
	TEST_DATABASE_URL= TEST_SQLITE_PATH="$(CELERY_TEST_SQLITE_PATH)" \
	  CELERY_TEST_BROKER_URL="$(CELERY_TEST_BROKER_URL)" \
	  $(PYTEST) --create-db -m celery_worker tests/celery

test-browser: install  ## headless Chromium against a live server (screenshots in test-artifacts/)
	TEST_DATABASE_URL= TEST_SQLITE_PATH= $(PYTEST) -m browser tests/e2e

bench: install  ## print the benchmark figures (see bench/README.md)
	@for script in bench/*.py; do echo "== $$script"; $(PY) "$$script"; done

clean:  ## remove caches and test artifacts (keeps .venv and the database)
	rm -rf .ruff_cache .import_linter_cache .mypy_cache test-artifacts var/test-celery.sqlite3
