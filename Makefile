# The README's commands. `make run` starts the shop on its embedded default (SQLite,
# sandbox upstream and payments, demo logins, the sandbox gateway on loopback); `make test`
# runs the suite (PostgreSQL when DATABASE_URL points at one, otherwise SQLite).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is always the local development setup, whatever the shell exports.
LOCAL := DJANGO_SETTINGS_MODULE=storefront.settings.local

.PHONY: run test lint format smoke ci install clean bench

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p data
	$(LOCAL) $(PY) manage.py migrate --noinput
	$(LOCAL) $(PY) manage.py demo_data --url http://$(HOST):$(PORT)/
	$(LOCAL) $(PY) manage.py sandbox_gateway --if-sandbox --watch-pid $$PPID &
	$(LOCAL) $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	scripts/test $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Production settings, PostgreSQL and gunicorn through docker/entrypoint.sh, outside Docker.
smoke: install
	scripts/smoke-production
# Speed, not behaviour: needs PostgreSQL and Redis on loopback (docs/benchmarks.md).
bench: install
	$(PY) benchmarks/sync_all.py
	$(PY) benchmarks/webhook.py
	$(PY) benchmarks/http_load.py --web-replicas 2

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
