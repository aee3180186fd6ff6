# Two commands for a newcomer:  `make demo` (install + run the whole loop)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install install-dev browser lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server]'

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[server,dask,dev]'

# Debian's Chromium for the screenshot tests; they skip with a reason where it can't be installed.
browser:
	@command -v chromium >/dev/null 2>&1 || \
	  { (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) 2>/dev/null || \
	    echo "note: could not install Debian's chromium; browser tests will be skipped"; }

demo: install
	$(BIN)/claimkit demo

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install-dev browser lint
	$(BIN)/python -m pytest

# Never removes .claimkit/: that is the user's Label Studio data.
clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
