# IIT Diligence: `make run` (app with demo data) and `make test` (the whole suite). Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first interpreter that is Python 3.12 or newer (Django 6 needs it); pyenv installs are tried last.
PY_CANDIDATES := python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)
PYTHON = $(shell for p in $(PY_CANDIDATES); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
# Shared libraries WeasyPrint loads at run time, and the Debian packages that ship them.
SYSTEM_LIBS := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 libharfbuzz.so.0:libharfbuzz0b \
	libfontconfig.so.1:libfontconfig1

.PHONY: help install run test test-system bench worker check-system migrate seed lint format clean

help:
	@echo "make run      set up, migrate, load demo data, start web (127.0.0.1:8000) and a Celery worker"
	@echo "make test     set up, then lint (ruff, import layers, mypy), makemigrations --check and the pytest suite"
	@echo "make install  create .venv and install the project"
	@echo "make worker   start a Celery worker alone"
	@echo "make bench    benchmark at deal-firm scale in a scratch database (BENCH_SCALE=small: seconds)"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(MAKE) --no-print-directory check-system
	@py="$(PYTHON)"; if [ -z "$$py" ]; then \
		echo "error: no Python 3.12 or newer found (tried python3.13, python3.12, python3, ~/.pyenv/versions/3.12+)." >&2; \
		echo "       Install Python 3.12+ (e.g. 'apt-get install python3.12' or 'pyenv install 3.12') and run make again." >&2; \
		exit 1; fi; \
	if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		rm -rf $(VENV); echo "creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

check-system:
	@ldconfig=$$(command -v ldconfig || echo /sbin/ldconfig); missing=""; \
	for pair in $(SYSTEM_LIBS); do lib=$${pair%%:*}; pkg=$${pair##*:}; \
		$$ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		echo "error: WeasyPrint needs system packages that are missing:$$missing" >&2; \
		echo "       sudo apt-get install$$missing fonts-noto-cjk" >&2; exit 1; fi; \
	if command -v fc-list >/dev/null && ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "warning: no CJK font found; Chinese hospital names in PDF memos need 'sudo apt-get install fonts-noto-cjk'." >&2; fi

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo
	@echo "  IIT Diligence: http://127.0.0.1:8000/"
	@echo "  Logins (password 'demo'): member, lead, partner (team phoenix), outsider (team atlas), admin (staff),"
	@echo "  licensor (counterparty contact: only phoenix's requests on CT053)"
	@echo "  Stop with Ctrl-C."
	@echo
	$(BIN)/honcho --procfile config/Procfile --app-root . start

worker: migrate
	$(BIN)/celery -A config worker --loglevel=INFO --queues=default,memos

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Programs the suite starts itself: Chromium for the browser tests, a private redis-server for the broker restart;
# and Chinese fonts, without which memos render hospital names as empty boxes and their text cannot be checked.
test-system:
	@missing=""; command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then echo "error: the tests need:$$missing" >&2; \
		echo "       sudo apt-get install$$missing" >&2; exit 1; fi

# One test process per core (pytest-xdist), each file's tests kept together; TEST_PROCESSES=0 runs them in one.
TEST_PROCESSES ?= auto
test: test-system lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

bench: install
	$(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .mypy_cache .import_linter_cache *.egg-info
