# Two commands for a newcomer: `make demo` (the nightly job on the embedded default) and
# `make test` (the whole suite). Both create .venv and install the pinned project first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_INBOX ?= .territory/inbox
DEMO_CLIENTS ?= 20000
DEMO_DAYS ?= 3

.PHONY: install demo test lint format manifest clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/territory generate --out $(DEMO_INBOX) --clients $(DEMO_CLIENTS) --days $(DEMO_DAYS) --seed 42
	$(BIN)/territory run --inbox $(DEMO_INBOX) --all

test: install
	AIRFLOW__COSMOS__ENABLE_TELEMETRY=False $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_territory

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf .territory dbt_territory/target dbt_territory/logs
