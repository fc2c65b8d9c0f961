# Each target sets itself up on a fresh machine: a virtual environment in .venv, then the install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace

.PHONY: demo test install install-dev chromium bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

# The `baseline` extra (pysubgroup, the independent implementation discovery is checked against) pins
# numpy<2 but runs on numpy 2 (which pyarrow needs), so it goes in without its dependencies, which the
# runtime and dev ones already bring.
install-dev: $(BIN)/python chromium
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps $$($(BIN)/python -c "import tomllib; \
		print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['baseline']))")

# The browser tests drive Debian's Chromium; they fail in CI without it, so install it (as root, or
# with sudo) when it is missing and stop here if that is not possible.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium \
		|| { echo "Could not install Chromium (apt-get install -y chromium); the browser tests need it" >&2; exit 1; }; \
	fi

demo: install
	$(BIN)/bullseye demo $(DEMO_DIR)

# pytest-xdist workers, one per core up to four (the longest files set the floor beyond that), each
# test file whole on one and each seed of a sweep on any (tests/README.md);
# PYTEST_ADDOPTS=-n0 runs serially.
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
test: export PYTEST_ADDOPTS := -n $(WORKERS) $(PYTEST_ADDOPTS)
test: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/bullseye
	$(BIN)/python -m pytest

bench: install-dev
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_discover.py
	$(BIN)/python bench/bench_score.py
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_signals.py
	$(BIN)/python bench/bench_sizing.py
	$(BIN)/python bench/bench_auc.py
	$(BIN)/python bench/bench_web.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
