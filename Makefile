# Every target builds .venv (and reinstalls the project) when it is missing or pyproject.toml changed;
# a second run finds its stamp and installs nothing. pip runs without --quiet: a line per package.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
CHROMIUM := /usr/bin/chromium
# setuptools' notice about editable installs (a UserWarning in the build backend) says nothing to a user.
PIP := PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip --disable-pip-version-check

.PHONY: install serve test lint bench clean browser fastapi-suite stress

$(BIN)/python:
	@echo "==> Creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# What serving needs: the framework, the server extra and the offline docs assets (about 20 packages).
$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing asgi_api with the server and docs extras into $(VENV)"
	$(PIP) install -e '.[server,docs]'
	@touch $(SERVE_STAMP)
	@echo "==> Installed what serving needs"

# Everything: the dev tools (linters, test runner, Playwright, peers for parity and benchmarks) too.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing asgi_api with the server, docs and dev extras into $(VENV)"
	$(PIP) install -e '.[server,docs,dev]'
	@touch $(STAMP) $(SERVE_STAMP)
	@echo "==> Installed the development tools"

install: $(SERVE_STAMP)

serve: $(SERVE_STAMP)
	@echo "==> Starting the server (Ctrl-C stops it)"
	$(BIN)/asgi-api serve

# Debian's Chromium for the browser tests in tests/server/ui (Playwright drives it; no browser download).
# Installed only when missing, as root or through sudo; without it those tests skip, or fail under CI=true.
browser: $(CHROMIUM)
$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo -n"; \
	else echo "Not root and no sudo: cannot install chromium; the browser tests will skip"; exit 0; fi; \
	{ $$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -q --no-install-recommends chromium; } \
	|| { echo "Installing chromium failed; the browser tests will skip"; [ "$$CI" != true ]; }

# The quality gate (configuration in pyproject.toml): ruff over the code, mypy over the package.
# Both always run, so one look shows every finding; any finding stops `make test` before pytest.
lint: $(STAMP)
	@echo "quality gate: ruff check asgi_api tests bench examples; mypy asgi_api"
	@status=0; \
	$(BIN)/ruff check asgi_api tests bench examples || status=1; \
	$(BIN)/mypy || status=1; \
	if [ $$status -ne 0 ]; then echo "quality gate: FAILED - fix the findings above"; exit 1; fi; \
	echo "quality gate: passed"

# Two pytest workers (pytest-xdist): the suite is mostly CPU (servers, Prefect processes, in-process
# requests), and one process leaves the second core idle. loadgroup hands each test
# to the next free worker, except that the tests of a module sharing a module-scoped server or
# browser go to one worker together (tests/conftest.py marks them). Plain `pytest` runs in one process.
test: $(STAMP) lint browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m bench

# FastAPI's own tests (from the sdist of the FastAPI installed here) on FastAPI and on asgi_api through
# a re-exporting `fastapi` shim: pass counts, all / no pydantic / per area. Slow (minutes); not in `make test`.
fastapi-suite: $(STAMP)
	$(BIN)/python -m tools.fastapi_suite $(ARGS)

# A 60 s mixed read/write soak per backend at 64 and 256 clients under real uvicorn: answers by class,
# p50/p99, then every acknowledged write read back (STRESS_SECONDS=10 for a shorter run). Not in `make test`.
stress: $(STAMP)
	$(BIN)/python -m bench.stress

clean:
	rm -rf $(VENV) build *.egg-info
