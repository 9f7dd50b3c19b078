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
AIRFLOW_DEMO_HOME ?= .territory/airflow-demo
AIRFLOW_DEMO_CLIENTS ?= 2000

.PHONY: install demo airflow-demo test lint format manifest clean bench bench-quick

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/territory generate --out $(DEMO_INBOX) --clients $(DEMO_CLIENTS) --days $(DEMO_DAYS) --seed 42
	$(BIN)/territory run --inbox $(DEMO_INBOX) --all

# The manifest Cosmos renders the transform DAG from (LoadMode.DBT_MANIFEST): no warehouse needed.
manifest: install
	$(BIN)/territory manifest

# The three Airflow DAGs for two nights, in-process (dag.test()), on the embedded default.
airflow-demo: manifest
	rm -rf $(AIRFLOW_DEMO_HOME)
	$(BIN)/territory generate --out $(AIRFLOW_DEMO_HOME)/inbox --clients $(AIRFLOW_DEMO_CLIENTS) --days 2 --seed 42
	AIRFLOW_HOME=$(abspath $(AIRFLOW_DEMO_HOME))/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
	TERRITORY_HOME=$(abspath $(AIRFLOW_DEMO_HOME)) TERRITORY_INBOX=$(abspath $(AIRFLOW_DEMO_HOME))/inbox \
	TERRITORY_LAKE_ROOT=$(abspath $(AIRFLOW_DEMO_HOME))/lake \
	TERRITORY_DUCKDB_PATH=$(abspath $(AIRFLOW_DEMO_HOME))/warehouse.duckdb \
	$(BIN)/python dags/territory_local.py --date 2026-01-05 --date 2026-01-06

# The nightly job stage by stage from 10k to 1M clients against the seed-style baselines:
# benchmarks/results/latest.{md,png,json}. Inboxes are cached in BENCH_WORK between runs.
BENCH_SIZES ?= 10000,100000,1000000
BENCH_QUICK_SIZES ?= 2000,10000
BENCH_WORK ?= /tmp/territory-bench
BENCH_CAP ?= 300

bench: install
	$(BIN)/python benchmarks/run.py --sizes $(BENCH_SIZES) --work $(BENCH_WORK) --baseline-cap $(BENCH_CAP)

bench-quick: install
	$(BIN)/python benchmarks/run.py --quick --sizes $(BENCH_QUICK_SIZES) --work $(BENCH_WORK)

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
