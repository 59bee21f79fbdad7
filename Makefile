# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench backtest-refresh clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/commune-sim run

# The tests run on every core (pytest-xdist): about half the wall time on 2 cores.
test: $(STAMP)
	$(PY) -m pytest -n auto

test-fast: $(STAMP)
	$(PY) -m pytest -n auto -m 'not slow'

# Rewrite tests/backtest/expected.json: only when a change of results is deliberate (say why in the commit).
backtest-refresh: $(STAMP)
	$(PY) tests/test_backtest.py --refresh

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) results build *.egg-info
