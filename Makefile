# strangler: `make demo` runs the main job on embedded defaults; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SCENARIO ?= steady
DURATION ?= 60s
USERS ?= 20
WORKERS ?= 1

.PHONY: browser loadtest loadtest-ui compare help setup up down status demo test lint format clean routes migrate-route rollback-route

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the project with its dependencies

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: setup ## start the local stack in the background and print its URLs
	$(BIN)/strangler up

down: ## stop everything the local stack started
	@if [ -x $(BIN)/strangler ]; then $(BIN)/strangler down; else echo "nothing to stop (no .venv)"; fi

status: setup ## show the local stack
	$(BIN)/strangler status

routes: setup ## print the route table
	$(BIN)/strangler routes

migrate-route: setup ## move a route to Lambda: make migrate-route ROUTE=/rides [FUNCTION=name] [FORCE=1]
	@test -n "$(ROUTE)" || { echo "usage: make migrate-route ROUTE=/rides"; exit 2; }
	$(BIN)/strangler migrate '$(ROUTE)' $(if $(FUNCTION),--function '$(FUNCTION)') $(if $(FORCE),--force)

rollback-route: setup ## send a migrated route back to the monolith: make rollback-route ROUTE=/rides
	@test -n "$(ROUTE)" || { echo "usage: make rollback-route ROUTE=/rides"; exit 2; }
	$(BIN)/strangler rollback '$(ROUTE)'

loadtest: setup ## Locust, headless: make loadtest SCENARIO=steady|ramp|spike|soak|prescale [HOST=] [WORKERS=N] [PEAK_RPS=]
	$(BIN)/strangler loadtest --scenario $(SCENARIO) --duration $(DURATION) --users $(USERS) --workers $(WORKERS) $(if $(HOST),--host '$(HOST)') $(if $(PEAK_RPS),--peak-rps $(PEAK_RPS)) $(if $(ALLOW_REMOTE),--allow-remote)

loadtest-ui: setup ## Locust's web UI on http://127.0.0.1:8089
	$(BIN)/strangler loadtest --ui --scenario $(SCENARIO) --duration $(DURATION) --users $(USERS) $(if $(HOST),--host '$(HOST)')

compare: setup ## both paths of a route in one run + report: make compare ROUTE=/rides [SCENARIO=] [DURATION=60s] [USERS=20]
	@test -n "$(ROUTE)" || { echo "usage: make compare ROUTE=/rides"; exit 2; }
	$(BIN)/strangler compare '$(ROUTE)' --scenario $(SCENARIO) --duration $(DURATION) --users $(USERS)

demo: setup ## the main job on embedded defaults
	$(BIN)/strangler demo --duration $(DURATION)

browser: ## Debian's chromium, for the test that renders the HTML report (needs root + apt-get)
	@command -v chromium >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (apt-get) for the report rendering test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "note: chromium is not installed and cannot be (needs root + apt-get); the HTML rendering test will be skipped"; \
	fi

test: setup browser ## run the test suite (real PostgreSQL, real processes)
	$(BIN)/python -m pytest

lint: setup ## ruff (format + lint) and mypy
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: setup ## apply ruff formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: down ## stop the stack and delete the run directory and .venv
	rm -rf .strangler $(VENV)
