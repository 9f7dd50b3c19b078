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

# A real Airflow stack (scheduler, DAG processor, triggerer, API server; LocalExecutor, SQLite)
# in the background on 127.0.0.1:$(AIRFLOW_PORT), everything under AIRFLOW_RUN (inbox, lake,
# warehouse, AIRFLOW_HOME, pid and log files in $(AIRFLOW_RUN)/airflow/run/). The inbox is
# generated when absent; the start and end dates default to its first and last night.
AIRFLOW_RUN ?= $(CURDIR)/.territory/airflow
AIRFLOW_INBOX ?= $(AIRFLOW_RUN)/inbox
AIRFLOW_CLIENTS ?= 2000
AIRFLOW_PORT ?= 8080
AIRFLOW_START ?=
AIRFLOW_END ?=
AIRFLOW_STACK := $(BIN)/territory airflow

.PHONY: install bench-install bench-matcher demo airflow-demo airflow-up airflow-wait airflow-down test test-random test-each-file test-fast checkov lint format manifest clean bench bench-quick console docs

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/territory generate --out $(DEMO_INBOX) --clients $(DEMO_CLIENTS) --days $(DEMO_DAYS) --seed 42
	$(BIN)/territory run --inbox $(DEMO_INBOX) --all

# The sales-ops console over the demo warehouse (loopback only): http://127.0.0.1:$(CONSOLE_PORT)/
# Decisions of the review queue go to $(DEMO_INBOX)/steward/, landed by the next night.
CONSOLE_PORT ?= 8000
console: install
	TERRITORY_INBOX=$(abspath $(DEMO_INBOX)) $(BIN)/territory serve --port $(CONSOLE_PORT)

# dbt's documentation site (lineage down to the console pages and leadership views, the
# exposures): generated from the demo warehouse when there is one (else without a catalog),
# then served on http://127.0.0.1:$(DOCS_PORT)/.
DOCS_PORT ?= 8080
DOCS_TARGET_PATH ?= .territory/dbt-docs
DOCS_DUCKDB ?= $(or $(TERRITORY_DUCKDB_PATH),.territory/warehouse.duckdb)
docs: install
	TERRITORY_DBT_TARGET=$(if $(wildcard $(DOCS_DUCKDB)),duckdb,lint) \
	TERRITORY_DUCKDB_PATH=$(abspath $(DOCS_DUCKDB)) DBT_SEND_ANONYMOUS_USAGE_STATS=false \
	$(BIN)/dbt docs generate --project-dir dbt_territory --profiles-dir dbt_territory \
		--target $(if $(wildcard $(DOCS_DUCKDB)),duckdb,lint) \
		--target-path $(abspath $(DOCS_TARGET_PATH)) --log-path $(abspath $(DOCS_TARGET_PATH))/logs
	$(BIN)/dbt docs serve --project-dir dbt_territory --profiles-dir dbt_territory --target lint \
		--target-path $(abspath $(DOCS_TARGET_PATH)) --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

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
	$(BIN)/territory airflow local --date 2026-01-05 --date 2026-01-06

airflow-up: install
	test -d "$(AIRFLOW_INBOX)" || $(BIN)/territory generate --out "$(AIRFLOW_INBOX)" \
		--clients $(AIRFLOW_CLIENTS) --days 2 --seed 42
	$(AIRFLOW_STACK) up --home "$(AIRFLOW_RUN)" --inbox "$(AIRFLOW_INBOX)" --port $(AIRFLOW_PORT) \
		$(if $(AIRFLOW_START),--start $(AIRFLOW_START)) $(if $(AIRFLOW_END),--end $(AIRFLOW_END))

# Block until every scheduled night has run and the stack has gone quiet; print the built nights.
airflow-wait:
	$(AIRFLOW_STACK) wait --home "$(AIRFLOW_RUN)"

airflow-down:
	$(AIRFLOW_STACK) down --home "$(AIRFLOW_RUN)"

# The nightly job stage by stage from 10k to 1M clients against the seed-style baselines:
# benchmarks/results/latest.{md,png,json}. Inboxes are cached in BENCH_WORK between runs.
BENCH_SIZES ?= 10000,100000,1000000
BENCH_QUICK_SIZES ?= 2000,10000
BENCH_WORK ?= /tmp/territory-bench
BENCH_CAP ?= 300

# The transform DAG under a real scheduler per Cosmos execution mode vs `territory transform`:
# benchmarks/results/airflow_latest.{md,json}.
BENCH_AIRFLOW_SIZES ?= 2000,100000
BENCH_AIRFLOW_MODES ?= watcher,local_dbt_runner,local_subprocess

# The entity resolution beside Splink 5 (the `bench` extra), per generator profile, on the same
# records: benchmarks/results/matcher.{md,json} (see benchmarks/dedup_benchmark.py).
BENCH_MATCHER_SIZES ?= 100000
BENCH_MATCHER_PROFILES ?= default,family_offices
BENCH_INSTALLED := $(VENV)/.installed-bench

$(BENCH_INSTALLED): $(INSTALLED) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	touch $@

bench-install: $(BENCH_INSTALLED)

bench-matcher: bench-install
	$(BIN)/python benchmarks/dedup_benchmark.py --sizes $(BENCH_MATCHER_SIZES) \
		--profile $(BENCH_MATCHER_PROFILES) --peer splink --work $(BENCH_WORK)/matcher

bench: install
	$(BIN)/python benchmarks/run.py --sizes $(BENCH_SIZES) --work $(BENCH_WORK) --baseline-cap $(BENCH_CAP)
	$(BIN)/python benchmarks/airflow_benchmark.py --clients $(BENCH_AIRFLOW_SIZES) \
		--modes $(BENCH_AIRFLOW_MODES) --work $(BENCH_WORK)

bench-quick: install
	$(BIN)/python benchmarks/run.py --quick --sizes $(BENCH_QUICK_SIZES) --work $(BENCH_WORK)

# The suite on every core (pytest-xdist): tests of one `xdist_group` share a worker, and each
# shared build (tests/shared_builds.py) is made once for all workers. Budget: 10 minutes wall
# on 2 cores; the wall time is printed last. PYTEST_ARGS adds pytest options.
TEST_WORKERS ?= auto
TEST_BUDGET_SECONDS := 600
PYTEST = AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
	TERRITORY_CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25
define timed
	@start=$$(date +%s); status=0; $(1) || status=$$?; took=$$(( $$(date +%s) - start )); \
	echo "make $@: $${took} s wall (budget $(2) s)$$([ $$took -le $(2) ] || echo '; OVER BUDGET')"; \
	exit $$status
endef

test: install
	$(call timed,$(PYTEST) $(PYTEST_ARGS),$(TEST_BUDGET_SECONDS))

# The whole suite in a shuffled order (pytest-randomly; `-p randomly --randomly-seed=N` replays
# an order): every test must pass alone and after any other.
test-random: install
	$(call timed,$(PYTEST) -p randomly $(PYTEST_ARGS),$(TEST_BUDGET_SECONDS))

# Each test file alone, in a pytest session of its own: a file that passes only after another
# file has run fails here. Lists the files that failed.
test-each-file: install
	@failed=""; for file in $$(find tests -name 'test_*.py' | sort); do \
		echo "== $$file"; $(PYTEST) -q $(PYTEST_ARGS) $$file || failed="$$failed $$file"; \
	done; [ -z "$$failed" ] || { echo "failed alone:$$failed"; exit 1; }

# Unit and contract tests only: every test that runs dbt, Airflow, a browser, the whole dbt
# project on fakesnow, checkov or the benchmark smoke is marked `slow` and left to `make test`,
# and so is tests/test_lint.py (sqlfluff's dbt templater runs dbt; `make lint` runs the same).
test-fast: install
	$(call timed,$(PYTEST) -m "not slow" $(PYTEST_ARGS),60)

# checkov for tests/terraform, in its own venv: its pins (boto3, packaging, networkx) cannot
# co-install with the project. Version and dependencies pinned by CHECKOV_CONSTRAINTS; .ci/run
# installs it; without it the checkov test skips (fails under CI).
CHECKOV_VENV ?= $(VENV)/checkov
CHECKOV_CONSTRAINTS := tests/terraform/checkov-constraints.txt
CHECKOV_PIN := $(shell grep -m1 '^checkov==' $(CHECKOV_CONSTRAINTS))

$(CHECKOV_VENV)/.installed: $(CHECKOV_CONSTRAINTS)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c $(CHECKOV_CONSTRAINTS) "$(CHECKOV_PIN)"
	touch $@

checkov: $(CHECKOV_VENV)/.installed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_territory
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf .territory dbt_territory/target dbt_territory/logs
