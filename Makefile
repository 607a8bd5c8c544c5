# The README's commands. Everything a fresh machine needs is installed from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck imports openapi worker bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the service on 127.0.0.1:8000 with the embedded PostgreSQL and the demo school.
run: $(STAMP)
	$(BIN)/kehou serve --host 127.0.0.1 --port 8000 --demo

## The whole suite against real PostgreSQL (embedded unless KEHOU_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## The layering contracts of pyproject.toml ([tool.importlinter]).
imports: $(STAMP)
	$(BIN)/lint-imports

openapi: $(STAMP)
	$(BIN)/kehou openapi

worker: $(STAMP)
	$(BIN)/kehou worker

## The dismissal-peak benchmark (bench/README.md), e.g. make bench ARGS="--schools 5".
bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
