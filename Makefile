# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench validate preview clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The local preview's address: `make preview`, and `make run` when no token is configured.
PREVIEW_HOST ?= 127.0.0.1
PREVIEW_PORT ?= 8080

run: $(VENV)/.installed
	$(BIN)/quizbot run --preview-host $(PREVIEW_HOST) --preview-port $(PREVIEW_PORT)

preview: $(VENV)/.installed
	$(BIN)/quizbot preview --host $(PREVIEW_HOST) --port $(PREVIEW_PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

validate: $(VENV)/.installed
	$(BIN)/quizbot validate

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
