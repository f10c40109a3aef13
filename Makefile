# Two commands for a fresh machine: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test bench chromium default-model

# Two malloc heaps instead of sixteen keep the server's memory down (mnist_core/app_server.py, SERVER_ENV).
run: $(VENV)/.installed
	MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed-dev chromium
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m mnist_core bench

# Retrains models/default.keras from its recipe with this checkout's code, then writes its model card's table.
default-model: $(VENV)/.installed
	$(PY) -m mnist_core default-model

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Chromium is missing and only root can install it: run 'sudo apt-get install -y chromium'."; \
	  fi; \
	fi
