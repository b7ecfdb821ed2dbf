# Two commands on a fresh machine that has Python 3.10+:
#   make run    installs valgap in .venv and analyses a bundled sample log
#   make test   installs valgap with its test tools in .venv, runs ruff and pytest
# and, for the callbacks that measure the gap while training (valgap.keras, .lightning,
# .hf, .torch):
#   make test-frameworks   builds .venv-frameworks (torch, Lightning, transformers, Keras
#                          with TensorFlow, the boosting libraries, Playwright) and trains
#                          tiny real models in each; renders the HTML report in Chromium
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE ?= sample_logs/dropout.log

.PHONY: run install test test-frameworks lint bench bench-gap fuzz fuzz-stores samples fixtures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

FW := .venv-frameworks

$(FW)/.installed: tests/frameworks/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(FW)
	$(FW)/bin/python -m pip install --quiet -r tests/frameworks/requirements.txt -e '.[dev]'
	touch $@

# valgap's bytecode compiled ahead, as a wheel's install compiles it: an editable install
# leaves that to the first run, and where PYTHONDONTWRITEBYTECODE is set, to every run
# (0.1 s of a 0.5 s start). Only stale files are compiled again; a stale one is never used
BYTECODE = $(BIN)/python -m compileall -q valgap

run: $(VENV)/.installed
	@$(BYTECODE)
	$(BIN)/valgap analyze $(SAMPLE)

# valgap on PATH as a tool of its own: pipx, else uv, else pip's user scheme
install:
	@if command -v pipx >/dev/null; then pipx install --force .; \
	elif command -v uv >/dev/null; then uv tool install --force .; \
	else $(PYTHON) -m pip install --user --quiet . && \
	  echo "installed in $$($(PYTHON) -m site --user-base)/bin: put it on PATH if it is not"; fi

test: $(VENV)/.installed-dev
	$(BIN)/ruff check valgap tests scripts bench
	@$(BYTECODE)
	$(BIN)/python -m pytest -q

# the real Mermaid the browser tests draw the Markdown charts with (pinned in the lock file)
MERMAID := tests/browser/node_modules/mermaid/package.json
$(MERMAID): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --silent

test-frameworks: $(FW)/.installed $(MERMAID)
	$(FW)/bin/python -m pytest -q tests/frameworks tests/trackers tests/browser

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check valgap tests scripts bench

bench: $(VENV)/.installed
	@$(BYTECODE)
	$(BIN)/python bench/bench_parse.py

# An hour of mutation fuzzing over the whole path (FUZZ_SECONDS to change it).
FUZZ_SECONDS ?= 3600
fuzz: $(VENV)/.installed
	$(BIN)/python scripts/fuzz.py --seconds $(FUZZ_SECONDS) --workers 2 --out /tmp/valgap-fuzz

# An hour of fuzzing the tracker readers: MLflow stores and W&B runs written by the libraries.
fuzz-stores: $(FW)/.installed
	$(FW)/bin/python scripts/fuzz_stores.py --seconds $(FUZZ_SECONDS) --out /tmp/valgap-fuzz-stores

# Regenerates sample_logs/ with real training runs (the frameworks live in their own venv).
samples: $(FW)/.installed
	$(FW)/bin/python scripts/make_sample_logs.py

# What the gap measurement costs, as a share of epoch time, on the sample runs.
bench-gap: $(FW)/.installed
	$(FW)/bin/python bench/bench_gap_overhead.py

# Regenerates tests/data/libs/ with real fastai, transformers, Ultralytics and MMEngine runs
# (their own venv: torch 2.14.1 and torchvision 0.29.1 are the CPU-usable pair on this machine).
fixtures:
	$(PYTHON) -m venv .venv-libs
	.venv-libs/bin/pip install --quiet torch==2.14.1 torchvision==0.29.1 fastai ultralytics \
		transformers accelerate mmengine nbclient nbformat ipykernel
	.venv-libs/bin/python scripts/make_library_fixtures.py

clean:
	rm -rf $(VENV) $(FW) .venv-libs .pytest_cache .ruff_cache
