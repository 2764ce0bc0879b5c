# One-command entry points for newcomers and CI.
PYTHON ?= python3
# pyenv's shim answers `command -v` even when 3.9 is not selected, so ask the interpreter itself.
PYTHON39 ?= $(shell python3.9 -c 'import sys; print(sys.executable)' 2>/dev/null || \
	ls -d $(HOME)/.pyenv/versions/3.9*/bin/python3.9 2>/dev/null | tail -n 1)
VENV := .venv
VENV39 := .venv39
BIN := $(VENV)/bin
# pytest-xdist workers: one per core (each worker has its own PostgreSQL database, see tests/conftest.py).
TEST_WORKERS ?= auto

# Tests that store, compare, expire or total times: they run again with the clock a year ahead.
TIME_SENSITIVE := tests/server tests/agent/test_config.py tests/agent/test_credentials.py tests/agent/test_delivery.py \
	tests/agent/test_service.py tests/agent/test_service_windows.py tests/agent/test_spool.py tests/agent/test_transport.py \
	tests/agent/test_contract.py

.PHONY: demo test test-agent39 test-next-year lint packages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[server,postgres,test]'
	touch $@

demo: $(VENV)/.installed
	./scripts/demo.sh

test: $(VENV)/.installed test-agent39
	$(BIN)/ruff check agent server tests bench
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The agent must run on Python 3.9 (Debian 11, RHEL 9, ALT p10): its tests run there too.
test-agent39:
	@if [ -z "$(PYTHON39)" ]; then echo "python3.9 not found: skipping the agent's 3.9 run"; \
	  if [ -n "$$FOOTPRINT_CI" ]; then echo "CI must run the agent's tests on Python 3.9"; exit 1; fi; \
	else [ -x $(VENV39)/bin/python ] || $(PYTHON39) -m venv $(VENV39); \
	$(VENV39)/bin/pip install -q -e . pytest pytest-timeout pytest-xdist && \
	$(VENV39)/bin/python -m pytest -q -n $(TEST_WORKERS) tests/agent -p no:cacheprovider; fi

# The suite must pass next year too: libfaketime (Debian `faketime`) moves every process's clock. Not the
# PostgreSQL server's: the collector computes every date in Python (SQL only compares the times it is given),
# so the tests' SQLite half covers the year ahead and their PostgreSQL half is left to `make test`.
test-next-year: $(VENV)/.installed
	@if ! command -v faketime >/dev/null; then echo "faketime not found: skipping the year-ahead run"; \
	  if [ -n "$$FOOTPRINT_CI" ]; then echo "CI must run the year-ahead tests (apt-get install faketime)"; exit 1; fi; \
	else faketime -f '+365d' $(BIN)/python -m pytest -q -n $(TEST_WORKERS) -p no:cacheprovider \
	  -k 'not postgresql' $(TIME_SENSITIVE); fi

lint: $(VENV)/.installed
	$(BIN)/ruff check agent server tests bench

packages: $(VENV)/.installed
	./packaging/build.sh

clean:
	rm -rf $(VENV) $(VENV39) dist build *.egg-info footprint-data
