# inscope — two commands from a bare clone: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench eval screenshot clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "inscope needs Python >= 3.11")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,demo]'
	@touch $(STAMP)

## Open inscope on the built-in demo workspace (local sandbox services, no credentials).
demo: $(STAMP)
	$(BIN)/inscope --demo

## Run the whole test suite (lint and strict typing first: they are part of "passes").
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

## ruff + mypy (strict) + the import contracts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks (not tests): prints tables, writes bench/out/; then pymorphy3 vs a stemmer.
bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.lemmatizers

## The triage measured on the labeled corpus (a report: exits 0 whatever the scores).
EVALS := eval.triage
eval: $(STAMP)
	@for m in $(EVALS); do $(BIN)/python -m $$m || exit 1; done

## Regenerate docs/screenshot.svg (the README picture) from a fresh demo workspace.
screenshot: $(STAMP)
	$(BIN)/python -m tools.screenshot docs/screenshot.svg

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
