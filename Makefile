# Two commands matter: `make dev` runs the stack locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Production runs Python 3.12: use it where the machine has one (pyenv included).
PYTHON ?= $(firstword $(foreach p,$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12 python3,$(shell command -v $(p) 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install dev test lint typecheck unit clean

help:
	@echo "make dev   - run the file API locally against a local S3 (SeaweedFS)"
	@echo "make test  - lint, type-check and run every test"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m tests.support.devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .local
