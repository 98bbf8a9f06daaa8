# Every target builds .venv (and reinstalls the project) when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: serve test bench clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/asgi-api serve

# Debian's Chromium for the browser tests in tests/ui (Playwright drives it; no browser download).
# Installed only when missing, as root or through sudo; without it those tests skip, or fail under CI=true.
browser: $(CHROMIUM)
$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo -n"; \
	else echo "Not root and no sudo: cannot install chromium; the browser tests will skip"; exit 0; fi; \
	{ $$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -q --no-install-recommends chromium; } \
	|| { echo "Installing chromium failed; the browser tests will skip"; [ "$$CI" != true ]; }

test: $(STAMP) browser
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
