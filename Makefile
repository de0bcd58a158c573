# Hội thi CCHC: `make run` (single machine) and `make test` (every layer).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
QUIZ_INSTANCES ?= 2
CONCURRENCY := quiz=$(QUIZ_INSTANCES)
# nameko's eventlet deprecation notice, once per process, hides the useful lines.
export PYTHONWARNINGS ?= ignore::Warning:nameko.cli.commands

.PHONY: run test faults security install install-test check-infra clean compose-up compose-down compose-down-volumes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# Re-install only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

check-infra: install
	$(BIN)/python scripts/check_infra.py

run: install check-infra
	mkdir -p var
	HONCHO_CONCURRENCY=$(CONCURRENCY) HONCHO_BASE_PORT=5000 \
	$(BIN)/honcho -e deploy/run.env -f deploy/Procfile -d . start -p 5000 -c $(CONCURRENCY)

# docker-compose.yml on this machine (scripts/compose.py): a Docker engine if one answers, else Podman's
# Docker API (installed and started as root), images built offline from Debian/PyPI packages when no
# registry answers; writes .env with fresh secrets when missing. Volumes survive compose-down.
compose-up:
	python3 scripts/compose.py up

compose-down:
	python3 scripts/compose.py down

compose-down-volumes:
	python3 scripts/compose.py down-volumes

# Every layer in its own pytest process (services under eventlet, gateway and e2e under asyncio).
test: install-test
	bash scripts/install_browser.sh
	$(BIN)/python scripts/run_tests.py

# Only the fault-injection tests (they may restart the broker for the whole machine).
faults: install-test
	CCHC_ALLOW_BROKER_RESTART=1 $(BIN)/python scripts/run_tests.py --faults-only

# Only the security sweep (also part of `make test`): its own cluster, a few minutes.
security: install-test
	$(BIN)/python -m pytest -p no:pytest_nameko tests/security

clean:
	rm -rf var tests/artifacts

# Load benchmarks (bench/RESULTS.md): round opening, deadline rush + single-process baseline, quiz
# ×1/×2/×4. Like `make test` they need RabbitMQ (management API) and PostgreSQL; BENCH_N contestants.
BENCH_N ?= 3000
.PHONY: bench install-bench
# The benchmarks start the platform with the end-to-end harness (tests/e2e/cluster.py): test extra too.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install -e '.[test,bench]'
	touch $@

install-bench: $(VENV)/.installed-bench

bench: install-bench
	$(BIN)/python -m bench.all --n $(BENCH_N)
