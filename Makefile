# `make book` and `make test` set up everything they need on a fresh machine:
# a virtual environment in .venv, the pinned requirements and the package in
# editable mode. The stamp file makes a second run go straight to work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: book test serve clean bench

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: book
	$(BIN)/python -m pytest

# Benchmarks are not part of `make test`: they take minutes and measure, not check
# correctness. scikit-learn is only needed here.
$(VENV)/.bench-installed: $(STAMP) benchmarks/requirements.txt
	$(BIN)/python -m pip install -r benchmarks/requirements.txt
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

serve: book
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory _build/html

clean:
	rm -rf _build .pytest_cache
