# inscope — two commands from a bare clone: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench eval screenshot i18n clean

# Score modules `make eval` runs, each a `python -m` module that prints its tables and exits
# non-zero when a threshold is missed.  Add yours to the list.
EVAL_MODULES := "eval.triage --blind" eval.email

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "inscope needs Python >= 3.11")'
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,demo,oauth]'
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

## Scores against labelled corpora (not tests): prints tables, fails when a threshold is missed.
eval: $(STAMP)
	$(BIN)/pip install -q -e '.[eval]'
	@status=0; for m in $(EVAL_MODULES); do echo "== $$m"; $(BIN)/python -m $$m || status=1; done; exit $$status

## Regenerate the README pictures (English and Russian) from a fresh demo workspace.
screenshot: $(STAMP)
	$(BIN)/python -m tools.screenshot docs/screenshot-en.svg --lang en
	$(BIN)/python -m tools.screenshot docs/screenshot-ru.svg --lang ru

## Translations: extract every msgid, update each catalog, compile the .mo files (docs/i18n.md).
LOCALES := inscope/locale
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k Nn_:1,2 --no-location --sort-output \
		--project inscope --omit-header -o $(LOCALES)/inscope.pot .
	$(BIN)/pybabel -q update -i $(LOCALES)/inscope.pot -d $(LOCALES) -D inscope \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(LOCALES) -D inscope --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
