# Every target sets up what it needs on a fresh machine: a virtual environment
# in .venv, the pinned requirements and the package in editable mode. The
# stamp file makes a second run go straight to work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Both cores for the tests that split well; nbval keeps each notebook on one
# worker (--dist loadfile), since its cells share one kernel.
WORKERS ?= 2

.PHONY: book test unit lint serve clean bench screenshots

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# The package's tests and doctests, without the book: under a minute.
unit: $(STAMP)
	$(BIN)/python -m pytest lossbook tests -n $(WORKERS) \
		--ignore=tests/test_chapters.py --ignore=tests/test_site.py --ignore=tests/test_browser.py

# ruff over the package, the tests, the benchmarks and the notebooks (one line length).
lint: $(STAMP)
	$(BIN)/ruff check lossbook tests benchmarks chapters
	$(BIN)/ruff format --check lossbook tests benchmarks

# Everything: lint, the book (the site tests need it), then every test,
# the notebooks re-executed by nbval against their stored outputs.
test: lint book
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile

# Whole-page screenshots of every page, light and dark, in _build/screenshots/.
screenshots: book
	LOSSBOOK_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py

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
