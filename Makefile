# Two commands for a fresh machine: `make run` serves the app, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test bench chromium default-model lab lab-join

# Two malloc heaps instead of sixteen keep the server's memory down (lab/app_server.py, SERVER_ENV).
run: $(VENV)/.installed
	MALLOC_ARENA_MAX=2 $(PY) -m streamlit run app.py --server.port $(PORT)

# The linter and the formatter's check first (settings in pyproject.toml), then the whole suite: on both cores,
# a file per worker at a time (tests/conftest.py), then the tests that time real work, with the machine to themselves.
test: $(VENV)/.installed-dev chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n 2 --dist loadgroup -m "not alone"
	$(PY) -m pytest -m alone

# The app's rows (cold start, a class of 30) drive Chromium, as the browser tests do.
bench: $(VENV)/.installed-lab $(VENV)/.installed-dev chromium
	$(PY) -m lab bench

# Retrains models/default.keras from its recipe with this checkout's code, then writes its model card's table.
default-model: $(VENV)/.installed
	$(PY) -m lab default-model

# Training across a computer lab (README): `make lab` on the teacher's PC starts the Ray head and the app,
# `make lab-join HEAD=<teacher's address> TOKEN=<token>` on each student PC lends it to the lab.
# Every port is fixed, so a firewall can let exactly these through between the lab's PCs.
RAY := $(VENV)/bin/ray
RAY_PORTS := --node-manager-port=6380 --object-manager-port=6381 --runtime-env-agent-port=6382 \
	--dashboard-agent-grpc-port=6383 --dashboard-agent-listen-port=6384 --metrics-export-port=6385 \
	--min-worker-port=10002 --max-worker-port=10199 --disable-usage-stats
# A PC whose CPU has bfloat16 units says so to Ray, so that bfloat16 runs go only there (class_server/placement.py).
BFLOAT16_OPTION = $$($(PY) -c 'from class_server.placement import ray_start_option; print(ray_start_option())')

lab: $(VENV)/.installed-lab
	RAY_AUTH_MODE=token $(RAY) get-auth-token --generate >/dev/null
	RAY_AUTH_MODE=token PYTHONPATH=$(CURDIR) $(RAY) start --head --port=6379 --include-dashboard=false $(RAY_PORTS) $(BFLOAT16_OPTION)
	@echo "On each student PC, in its copy of this project: make lab-join HEAD=$$(hostname -I | cut -d' ' -f1) TOKEN=$$(RAY_AUTH_MODE=token $(RAY) get-auth-token)"
	export RAY_AUTH_MODE=token; trap '$(RAY) stop' EXIT; \
	MNIST_STUDIO_RAY_ADDRESS=auto $(PY) -m streamlit run app.py --server.port $(PORT)

lab-join: $(VENV)/.installed-lab
	@test -n "$(HEAD)" -a -n "$(TOKEN)" || { echo "Usage: make lab-join HEAD=<teacher's address> TOKEN=<token>"; exit 2; }
	RAY_AUTH_MODE=token RAY_AUTH_TOKEN=$(TOKEN) PYTHONPATH=$(CURDIR) $(RAY) start --address=$(HEAD):6379 --block $(RAY_PORTS) $(BFLOAT16_OPTION)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-lab: requirements-lab.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-lab.txt
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
