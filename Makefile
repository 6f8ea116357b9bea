# Minnesota Lake Dashboard: `make run` (the whole product) and `make test` (the whole suite)
# both set up everything they need on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Offline copy of the raw data: used when present (files are still checksum-verified).
ifneq ($(wildcard ../shared/data/SOURCES.md),)
export LAKES_DATA_MIRROR ?= $(abspath ../shared/data)
endif

.PHONY: run test setup system-deps data train api dashboard bench clean help

help:
	@echo "make run   - set up, build data, train if the registry is empty, start API + dashboard"
	@echo "make test  - set up (Python and Debian packages) and run the test suite"
	@echo "make bench - run the benchmarks in bench/"

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the browser and Redis tests need; installed only when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: cannot install$$missing (not root); the tests needing them will skip"; fi; \
	fi

data: setup
	$(BIN)/python -m lakemodel build

train: data
	@if $(BIN)/python -m lakemodel list --check-production >/dev/null 2>&1; then \
	  echo "registry has production models; skipping training (run 'python -m lakemodel train' to retrain)"; \
	else $(BIN)/python -m lakemodel train; fi

run: train
	@if [ -f Procfile ]; then \
	  echo "starting the model API and the dashboard; open $$($(BIN)/python -m dashboard url) (Ctrl+C stops both)"; \
	  $(BIN)/honcho start; \
	else echo "models trained; services come with later issues"; fi

test: setup system-deps
	$(BIN)/python -m pytest

# Benchmarks print figures (medians, ratios against an in-process baseline); they assert nothing.
# bench/client_calls.py needs a running API (make run in another shell).
bench: setup system-deps
	$(BIN)/python bench/train.py
	OMP_NUM_THREADS=1 $(BIN)/python bench/api.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf data registry .pytest_cache
