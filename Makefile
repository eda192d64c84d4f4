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
# CI. Modules and their tests: [tool.mutmut] in pyproject.toml. Results stay in mutants/, so
# a second run retries only what changed; scripts/mutation-report --survivors lists them.
# One module at a time (each mutant runs only the tests that reach its function):
#   make mutation MODULE=lib/crypto.py    (a path under quartieri/; several: "a.py b.py")
MUTATION_JOBS ?= 2
MODULE ?=
# With MODULE, only its mutants not yet killed are named (mutmut re-runs every name given).
mutation: install
	names="$(foreach m,$(MODULE),$$(scripts/mutation-report --to-run quartieri/$(m)))"; \
	if [ -n "$(MODULE)" ] && [ -z "$$names" ]; then echo "every mutant of $(MODULE) is killed"; \
	else nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $$names; fi
	scripts/mutation-report $(foreach m,$(MODULE),--module quartieri/$(m))

# Refresh docs/screenshots/ and docs/screenshot.png: the demo in a throw-away folder, served on
# a free port, photographed in Debian's headless Chromium at 1366 and 390 px (issue 20).
screenshots: install
	$(BIN)/python scripts/screenshots
