# `make demo` and `make test` set everything up on first use (.venv), then run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: demo test test-slow lint bench install clean

install: $(STAMP)

# torch and torchvision first, pinned: these machines hold both wheels on disk.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.14.1 torchvision==0.29.1
	$(PIP) -e '.[all,dev,scale]'
	$(PIP) --no-deps 'trackeval>=1.0,<2'  # HOTA; its own dependencies would add a second OpenCV
	touch $@

demo: $(STAMP)
	$(BIN)/marionnette demo

lint: $(STAMP)
	$(BIN)/ruff check marionnette tests scripts
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

test-slow: lint
	$(BIN)/pytest -m ""

bench: $(STAMP)
	$(BIN)/python scripts/bench_tictactoe.py

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
