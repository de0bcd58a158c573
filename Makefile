# Hội thi CCHC: `make run` (single machine) and `make test` (every layer).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
QUIZ_INSTANCES ?= 2
# nameko's eventlet deprecation notice, once per process, hides the useful lines.
export PYTHONWARNINGS ?= ignore::Warning:nameko.cli.commands

.PHONY: run test faults security screenshots install install-test check-infra clean lock backup restore compose-up compose-down compose-down-volumes compose-backup compose-restore e2e-compose

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# Re-install only when the dependency list changes. Versions and sha256 hashes come from the lock
# files (`make lock` refreshes them from pyproject.toml); the project itself then goes in without
# resolving anything (--no-deps).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --require-hashes -r requirements.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-test.lock $(VENV)/.installed
	$(BIN)/pip install --require-hashes -r requirements-test.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

check-infra: install
	$(BIN)/python scripts/check_infra.py

# Every process under supervisord (scripts/supervise.py): a crashed one is restarted, Ctrl-C stops all.
run: install check-infra
	QUIZ_INSTANCES=$(QUIZ_INSTANCES) $(BIN)/python scripts/supervise.py

# Backup and restore (scripts/backup.py, scripts/restore.py): the service databases (pg_dump or SQLite's
# backup API) and the clips bucket, with a manifest of counts and sha256 checksums. Same variables as
# the services, defaults as make run's (./var, moto on 127.0.0.1:9000). `make restore DIR=backups/cchc-... [FORCE=1]
# [RESTORE_OPTS=--databases-only|--bucket-only]` refuses a non-empty target unless FORCE=1.
backup: install
	$(BIN)/python scripts/backup.py

restore: install
	@test -n "$(DIR)" || { echo "usage: make restore DIR=backups/cchc-YYYYmmdd-HHMMSS [FORCE=1]"; exit 2; }
	$(BIN)/python scripts/restore.py "$(DIR)" $(if $(FORCE),--force) $(RESTORE_OPTS)

# docker-compose.yml on this machine (scripts/compose.py): a Docker engine if one answers, else Podman's
# Docker API (installed and started as root), images built offline from Debian/PyPI packages when no
# registry answers; writes .env with fresh secrets when missing. Volumes survive compose-down.
compose-up:
	python3 scripts/compose.py up

compose-down:
	python3 scripts/compose.py down

compose-down-volumes:
	python3 scripts/compose.py down-volumes

# The end-to-end suite against a stack already running (tests/e2e/external.py): make compose-up's by
# default (gateway port and organizer login from .env, E2E_ENV_FILE= for another stack's), or any
# gateway with E2E_URL= E2E_ADMIN_USERNAME= E2E_ADMIN_PASSWORD=. Tests that need the harness's own
# processes, databases or broker are skipped, with their reason. E2E_ARGS= passes more to pytest.
E2E_ENV_FILE ?= .env
e2e-compose: install-test
	$(BIN)/python -m tests.e2e.external --env-file "$(E2E_ENV_FILE)" $(if $(E2E_URL),--url "$(E2E_URL)") -- $(E2E_ARGS)

# Backup and restore of the compose stack: scripts/backup.py / restore.py in its `backup` tool container
# (folders in ./backups, or BACKUP_HOST_DIR in .env). `make compose-restore DIR=backups/cchc-... [FORCE=1]`
# stops the platform's processes, restores, and starts the stack again.
compose-backup:
	python3 scripts/compose.py backup

compose-restore:
	@test -n "$(DIR)" || { echo "usage: make compose-restore DIR=backups/cchc-YYYYmmdd-HHMMSS [FORCE=1]"; exit 2; }
	python3 scripts/compose.py restore --dir "$(DIR)" $(if $(FORCE),--force)

# Every layer in its own pytest process (services under eventlet, gateway and e2e under asyncio).
test: install-test
	bash scripts/install_browser.sh
	$(BIN)/python scripts/run_tests.py

# Only the fault-injection tests (they may restart the broker for the whole machine).
faults: install-test
	CCHC_ALLOW_BROKER_RESTART=1 $(BIN)/python scripts/run_tests.py --faults-only

# The README's screenshots (docs/screenshots): the browser layer, writing there instead of tests/artifacts.
screenshots: install-test
	bash scripts/install_browser.sh
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -p no:pytest_nameko tests/browser

# Only the security sweep (also part of `make test`): its own cluster, a few minutes.
security: install-test
	$(BIN)/python -m pytest -p no:pytest_nameko tests/security

clean:
	rm -rf var tests/artifacts

# Hash-pinned lock files from pyproject.toml (after changing a dependency there; commit all three).
# One resolution: the bench lock (every extra) first, the others constrained to its versions, so the
# three agree. --universal: markers for every platform, so one lock serves any machine and the image.
# uv keeps the versions already in a lock; `make lock LOCK_UPGRADE=--upgrade` moves everything to the
# newest versions pyproject.toml allows (`--upgrade-package NAME` for one).
UV_VERSION ?= 0.13.9
LOCK_UPGRADE ?=
LOCK_OPTS := --generate-hashes --universal --python-version 3.11 --index-url https://pypi.org/simple --quiet
lock: | $(BIN)/python
	$(BIN)/pip install uv==$(UV_VERSION)
	UV_NO_CONFIG=1 $(BIN)/uv pip compile pyproject.toml --extra test --extra bench $(LOCK_OPTS) $(LOCK_UPGRADE) -o requirements-bench.lock
	UV_NO_CONFIG=1 $(BIN)/uv pip compile pyproject.toml --extra test -c requirements-bench.lock $(LOCK_OPTS) -o requirements-test.lock
	UV_NO_CONFIG=1 $(BIN)/uv pip compile pyproject.toml -c requirements-bench.lock $(LOCK_OPTS) -o requirements.lock

# Load benchmarks (bench/RESULTS.md): round opening, deadline rush + single-process baseline, quiz
# ×1/×2/×4. Like `make test` they need RabbitMQ (management API) and PostgreSQL; BENCH_N contestants.
BENCH_N ?= 3000
.PHONY: bench install-bench
# The benchmarks start the platform with the end-to-end harness (tests/e2e/cluster.py): test extra too.
$(VENV)/.installed-bench: pyproject.toml requirements-bench.lock $(VENV)/.installed-test
	$(BIN)/pip install --require-hashes -r requirements-bench.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

install-bench: $(VENV)/.installed-bench

bench: install-bench
	$(BIN)/python -m bench.all --n $(BENCH_N)
