# Two entry points (see README): `make brief` builds this week's brief, `make test` runs the suite.
# Both create the virtual environment in .venv on first use; `make test` also installs the
# Debian packages the rendering checks need (chromium, poppler-utils, a TeX distribution).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: brief test test-fast system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

brief: $(STAMP)
	$(BIN)/macrobrief build

system-deps:
	sh scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_termstructure.py
	$(BIN)/python benchmarks/bench_build.py

clean:
	rm -rf $(VENV) build dist *.egg-info
