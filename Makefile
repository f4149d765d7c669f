# The one entry for humans and CI: make run, make test, make test-all, make bench.
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Two stamps: `make run` and `make bench` install the runtime dependencies only; the test
# tools (pytest, hypothesis, playwright, ruff) come with `make test`, `make test-all` and `make lint`.
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The suite mostly waits on real servers (SMTP, HTTP, IMAP, PostgreSQL): three at a time.
TEST_WORKERS ?= 3

.PHONY: run test test-all bench lint clean eval eval-dev

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/casedesk --config config.toml serve

test: $(TEST_STAMP)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) || true
	$(PY) -m pytest -n $(TEST_WORKERS)

test-all: $(TEST_STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) -m ''

# ruff, the import contract (pyproject.toml [tool.importlinter]) and the type checker.
lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench

# The blind evaluation of case intelligence (docs/checklist.md): aggregates only for tests/eval,
# per-mail differences for the development half tests/realmail. tests/holdout is a second blind half.
eval: $(STAMP)
	$(PY) -m tests.eval_score tests/eval
	$(PY) -m tests.eval_score tests/holdout

eval-dev: $(STAMP)
	$(PY) -m tests.eval_score --dev tests/realmail

clean:
	rm -rf $(VENV) var *.egg-info
