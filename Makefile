# quartieri: two commands for a newcomer.
#   make demo   install, load the Milan 2021 demo, serve it on http://127.0.0.1:8000
#   make test   lint, types, migrations check and the whole test suite (SQLite)
BIN := .venv/bin
SOURCES := $(wildcard quartieri tests bench)

.PHONY: demo test install system-packages lint messages ci-postgres mutation screenshots

.venv/.installed: requirements.lock pyproject.toml scripts/bootstrap
	scripts/bootstrap
	touch $@

install: .venv/.installed

demo: install
	scripts/system-packages run
	$(BIN)/quartieri demo
	$(BIN)/quartieri serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/mypy quartieri
	$(BIN)/quartieri makemigrations --check --dry-run
	$(BIN)/lint-imports

test: install
	scripts/system-packages test
	$(MAKE) lint
	$(BIN)/pytest

# Extract and compile the translations of every app with a locale folder.
messages: install
	scripts/messages

# The same suite on PostgreSQL 15 and Redis (RQ backend); .ci/run calls this after make test.
ci-postgres: install
	scripts/system-packages ci
	scripts/with-postgres-redis $(BIN)/pytest

# Mutation testing of the modules that keep the platform's promises (issue 21); slow, not in
# CI. One module at a time, against its own tests ([tool.quartieri-mutation.tests] in
# pyproject.toml), in var/mutation/<module>/; a second run retries only the mutants not yet
# killed.
#   make mutation MODULE=lib/crypto.py    (a path under quartieri/; several: "a.py b.py")
# Without MODULE, every module in turn. scripts/mutation-report --survivors lists survivors.
MUTATION_JOBS ?= 2
MUTATION_MODULES = $(or $(MODULE),$(patsubst quartieri/%,%,$(shell $(BIN)/python scripts/mutation_config.py)))
mutation: install
	for module in $(MUTATION_MODULES); do \
	    scripts/mutation-run quartieri/$$module --jobs $(MUTATION_JOBS) || exit 1; done
	scripts/mutation-report $(foreach m,$(MUTATION_MODULES),--module quartieri/$(m))

# Refresh docs/screenshots/ and docs/screenshot.png: the demo in a throw-away folder, served on
# a free port, photographed in Debian's headless Chromium at 1366 and 390 px (issue 20).
screenshots: install
	$(BIN)/python scripts/screenshots
