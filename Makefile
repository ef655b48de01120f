# The README's commands. `make run` starts the shop on its embedded default (SQLite,
# sandbox upstream and payments, demo logins, the sandbox gateway on loopback); `make test`
# runs the suite (PostgreSQL when DATABASE_URL points at one, otherwise SQLite).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run` is always the local development setup, whatever the shell exports.
# RUN_ADDRESS: links in mails and Stripe's return URLs follow HOST/PORT unless SITE_URL is set.
LOCAL := DJANGO_SETTINGS_MODULE=storefront.settings.local RUN_ADDRESS=$(HOST):$(PORT)

.PHONY: run test lint format smoke ci install clean bench messages

# Dependencies from the hash-locked requirements/dev.lock (scripts/lock makes it from
# pyproject.toml), then the project itself without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements/dev.lock
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# The message catalogues' .mo files are built, not committed: compiled whenever a .po changed.
install: $(VENV)/.installed
	$(LOCAL) $(PY) manage.py messages compile

run: install
	@mkdir -p data
	$(LOCAL) $(PY) manage.py migrate --noinput
	$(LOCAL) $(PY) manage.py demo_data
	$(LOCAL) $(PY) manage.py sandbox_gateway --if-sandbox --watch-pid $$PPID &
	$(LOCAL) $(PY) manage.py runserver $(HOST):$(PORT)

# New or changed strings into every language's catalogue (then translate the empty entries).
messages: install
	$(LOCAL) $(PY) manage.py messages update

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
	$(PY) benchmarks/webhook_stack.py
	$(PY) benchmarks/http_load.py --web-replicas 2

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
