# Benchmark Eén tegen eenzaamheid — developer entry points.
PY ?= python3
VENV = .venv
VENV_PY = $(VENV)/bin/python
STAMP = $(VENV)/.installed
HOST ?= 127.0.0.1

.PHONY: venv bytecode deduce node-deps system-deps demo validate build check serve serve-public lint test bench bench-suite lock clean-venv

# Create .venv (if missing) and install pinned deps + the project (editable).
venv: $(STAMP)

# deduce goes first: its one-off build of lookup structures (~75 s on one core, needed by the first
# build with free text the redaction cache does not know; in the tests test_privacy.py) then runs in
# the background while the rest is installed. Whoever needs deduce meanwhile waits for it (a lock in
# eenzaamheid/deidentify.py) instead of building it a second time. deduce keeps the result per
# machine user and version (~/.cache/benchmark-eenzaamheid/deduce-<version>/): the next venv or clone loads it.
# The packages are installed with uv (pinned; from PyPI like pip, into the same venv, with the same
# constraints): it downloads and unpacks in parallel, a fresh venv in ~15 s instead of pip's ~45 s.
# Then compiled to bytecode, as pip does: without it every process would compile what it imports
# (where PYTHONDONTWRITEBYTECODE is set, as on these machines, again in every process). The packages'
# own test suites (a quarter of the 120 MB of source; never imported) are left out: 13 -> 9 s.
UV_VERSION = 0.13.9
UV_INSTALL = $(VENV)/bin/uv pip install --quiet --python $(VENV_PY) -c constraints.txt
SITE_PACKAGES = $$($(VENV_PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(VENV_PY) || $(PY) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV_INSTALL) $$(grep -E '^deduce==' requirements.txt)
	PYTHONPATH=$(CURDIR) $(VENV_PY) -m eenzaamheid.deidentify > $(VENV)/deduce-opbouw.log 2>&1 &
	$(UV_INSTALL) -r requirements.txt -e .
	$(VENV_PY) -m compileall -q -j0 -x '/tests?/' $(SITE_PACKAGES)
	touch $@

# The project's own bytecode, as an installed package has it. Where PYTHONDONTWRITEBYTECODE is set (as
# on these machines) Python would otherwise compile the modules it imports again in every process (every
# build, CLI run and server the tests start). Up-to-date files are skipped.
bytecode: venv
	$(VENV_PY) -m compileall -q eenzaamheid plugins

# Build deduce's lookup structures now and wait for it (make venv starts it in the background).
deduce: venv
	$(VENV_PY) -m eenzaamheid.deidentify

# Debian chromium + driver for browser tests; only if missing, never fatal.
system-deps:
	@if [ -x /usr/bin/chromium ]; then echo "chromium present: /usr/bin/chromium"; else \
	  SUDO=; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
	  { $$SUDO apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; } \
	  || echo "WARNING: could not install chromium; browser tests will be skipped."; \
	fi
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then echo "nginx present"; else \
	  SUDO=; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
	  { $$SUDO apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light; } \
	  || echo "WARNING: could not install nginx; the caching-front tests will be skipped."; \
	fi

# Regenerate the demo deliveries in raw/ (deterministic).
demo: venv
	$(VENV_PY) scripts/generate_demo_deliveries.py

# Validate the raw deliveries (Frictionless + Pandera).
validate: venv bytecode
	$(VENV)/bin/eenzaamheid valideer raw/

# Build the cleaned SQLite database.
build: venv bytecode
	$(VENV)/bin/eenzaamheid bouw --quarantaine  # the demo holds one invalid row on purpose

# Run the quality checks (Great Expectations) on the built database; exit 1 on fatal/error failures.
check: venv bytecode
	$(VENV)/bin/eenzaamheid controleer

# Serve the built database with Datasette on localhost.
serve: venv bytecode build
	$(VENV)/bin/eenzaamheid serveer --host $(HOST)

# Serve with the caching front: nginx (deploy/nginx.conf.template) on 127.0.0.1:$(PORT), Datasette behind it.
PORT ?= 8080
serve-public: venv bytecode build system-deps
	$(VENV)/bin/eenzaamheid serveer --cache --poort $(PORT)

# axe-core for the accessibility browser tests, pinned in package.json + package-lock.json.
node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund && touch $@; \
	else echo "WARNING: npm not found; the accessibility tests will be skipped."; fi

# The linters (pinned in requirements.txt), each well under a second, no cache folder in the working tree:
# ruff (rules in pyproject.toml) and import-linter (the layering: pyproject.toml [tool.importlinter]),
# run on this checkout's package.
lint: venv
	$(VENV)/bin/ruff check --no-cache .
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache

# Run the test suite (the linter first: CI's .ci/run is `make test`).
test: venv bytecode system-deps node-deps lint
	$(VENV_PY) -m pytest

# Measure speed and memory; writes bench/RESULTS.md (not part of the tests).
bench: venv build system-deps
	$(VENV_PY) bench/run.py
	@command -v wrk >/dev/null || { SUDO=; [ "$$(id -u)" != 0 ] && SUDO=sudo; $$SUDO apt-get install -y -qq wrk; }
	$(VENV_PY) bench/serve.py

# How long a fresh clone's `make test` takes (CI's command, ~4 min: 4 min 7 s on a quiet machine at the end of the last session); its section of bench/RESULTS.md.
bench-suite:
	$(PY) bench/suite.py

# Rewrite constraints.txt (the lock file) from what is installed in .venv.
lock:
	@test -x $(VENV_PY) || { echo "no $(VENV); run 'make venv' first"; exit 1; }
	{ echo "# Lock file: exact pins of everything installed in .venv (pip freeze)."; \
	  echo "# Used as '-c constraints.txt' by 'make venv' (uv pip install)."; \
	  echo "# Regenerate with: make lock"; \
	  $(VENV_PY) -m pip freeze --exclude-editable | grep -viE '^(-e |benchmark[-_]eenzaamheid|uv==)'; \
	} > constraints.txt.tmp && mv constraints.txt.tmp constraints.txt

# Remove the virtualenv.
clean-venv:
	rm -rf $(VENV)
