# Each target sets itself up on a fresh machine: a virtual environment in .venv, then the install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace

.PHONY: demo test install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

# pysubgroup, the independent implementation discovery is checked against, pins numpy<2 but runs
# on numpy 2 (which pyarrow needs); its other dependencies are already installed.
install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps "pysubgroup>=0.9"

demo: install
	$(BIN)/bullseye demo $(DEMO_DIR)

test: install-dev
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_discover.py
	$(BIN)/python bench/bench_score.py
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_signals.py
	$(BIN)/python bench/bench_sizing.py
	$(BIN)/python bench/bench_auc.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
