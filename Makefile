# The README's commands. `make run` starts the shop on its embedded default (SQLite,
# sandbox upstream and payments); `make test` runs the suite (PostgreSQL when DATABASE_URL
# points at one, otherwise SQLite).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install demo clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	@mkdir -p data
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@echo "Storefront is starting at http://$(HOST):$(PORT)/ (sandbox mode, SQLite in data/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	scripts/test $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
