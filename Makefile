# quizapp: `make run` serves the app on SQLite with the shipped banks;
# `make test` runs the whole suite. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench bench-cpu mutation clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# The interface catalogs are compiled from the .po files in git on every run.
translations:
	@$(BIN)/pybabel compile -d quizapp/translations >/dev/null

run: $(VENV)/.installed translations
	$(BIN)/flask --app quizapp db upgrade
	$(BIN)/flask --app quizapp banks sync
	@echo "quizapp is serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/flask --app quizapp run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test translations
	$(BIN)/python -m pytest

# wrk is Debian's package; install it when we can (as root), else say how.
bench: $(VENV)/.installed-bench translations
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; }
	$(BIN)/python -m tests.benchmarks.run

# CPU per start, question page and save, in one process: a minute, one core.
bench-cpu: $(VENV)/.installed-bench translations
	$(BIN)/python -m tests.benchmarks.cpu

# Mutation testing of the exam's rules and the attempt operations (the files
# and tests are in pyproject's [tool.mutmut]). Not part of `make test` or CI:
# it takes about 70 minutes on 2 cores. Starts afresh each time, so results
# never come from older code or tests; MUTATION_JOBS sets the workers.
MUTATION_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
mutation: $(VENV)/.installed-mutation translations
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS) > mutation.log 2>&1 \
		|| { tail -n 40 mutation.log; exit 1; }
	@# Listed equivalents the parallel run killed run again alone (see score.py).
	names="$$($(BIN)/python tests/mutation/score.py --killed-equivalents)"; \
		[ -z "$$names" ] || $(BIN)/mutmut run --max-children 1 $$names >> mutation.log 2>&1 \
		|| { tail -n 40 mutation.log; exit 1; }
	$(BIN)/python tests/mutation/score.py

clean:
	rm -rf $(VENV) instance mutants mutation.log
