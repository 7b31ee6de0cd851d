# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

UV := .uv/bin/uv
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test lint format browser pgbouncer nginx migrate serve worker prod prod-stop bench \
  bench-api bench-import bench-slow-clients bench-activity bench-tasks bench-credit clean

# uv itself lives in its own small venv, so that `uv sync` never removes it.
$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

run: .venv/.synced
	DEBUG=$${DEBUG:-true} $(MANAGE) migrate --no-input
	DEBUG=$${DEBUG:-true} $(MANAGE) seed_demo
	@echo ""
	@echo "Portal do Parceiro em http://127.0.0.1:$(PORT)/"
	@echo "  parceiro Revenda Alfa: alfa / alfa-demo-2026 (Administrador)"
	@echo "                         alfa-operador / alfa-operador-demo-2026 (Operador)"
	@echo "                         alfa-consulta / alfa-consulta-demo-2026 (Consulta)"
	@echo "  parceiro Revenda Beta: beta / beta-demo-2026 (Administrador)"
	@echo "  os e-mails (nova senha, convites) aparecem neste terminal"
	@echo "  administração (/admin/): admin / admin-demo-2026"
	@echo "  tarefas longas (ações em lote, exportações, importações): um processador roda junto"
	@echo ""
	DEBUG=$${DEBUG:-true} $(MANAGE) devserver 127.0.0.1:$(PORT)

# gunicorn alone against DATABASE_URL, on loopback: behind nginx (make prod, docs/deploy.md),
# never facing clients itself (a slow client holds one of its threads).
serve: .venv/.synced
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input -v0
	BIND=$${BIND:-127.0.0.1:$(PORT)} .venv/bin/gunicorn -c deploy/gunicorn.conf.py

# The production stack on this machine (docs/deploy.md): nginx on 127.0.0.1:PROD_PORT in front
# of gunicorn on a Unix socket, and the task worker, DEBUG off, PostgreSQL (DATABASE_URL,
# default in PROD_DIR/portal.env, made once with new keys), everything under PROD_DIR.
PROD_DIR ?= var/prod
PROD_PORT ?= 8080
prod: .venv/.synced nginx
	$(PY) -m deploy.stack start --dir $(PROD_DIR) --listen 127.0.0.1:$(PROD_PORT)

prod-stop: .venv/.synced
	$(PY) -m deploy.stack stop --dir $(PROD_DIR)

# Production's task worker (django-tasks-db), beside `make serve`: run one or more, each its
# own process (docs/operations.md); each takes one task at a time.
worker: .venv/.synced
	$(MANAGE) db_worker --no-reload --interval $${WORKER_INTERVAL:-1}

# Debian's Chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium for the browser tests (apt-get)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's PgBouncer for the tests through a pooler in transaction mode (tests/test_pgbouncer.py,
# which starts its own on a free port) and for make bench-api.
pgbouncer:
	@test -x /usr/sbin/pgbouncer || { \
	  echo "Installing PgBouncer for the pooler tests (apt-get)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq pgbouncer >/dev/null; }

# Debian's nginx for the production stack (make prod) and its test
# (tests/test_production_stack.py, which runs its own from a temporary directory).
nginx:
	@test -x /usr/sbin/nginx || { \
	  echo "Installing nginx for the production stack and its test (apt-get)..."; \
	  echo "(where systemd runs, Debian also starts its own nginx on port 80:"; \
	  echo " sudo systemctl disable --now nginx if you do not want it)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx >/dev/null; }

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: .venv/.synced
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

test: .venv/.synced browser pgbouncer nginx lint
	DEBUG=true $(MANAGE) makemigrations --check --dry-run >/dev/null || \
	  { echo "Model changes without a migration: run manage.py makemigrations"; exit 1; }
	.venv/bin/pytest $(PYTEST_ARGS)

# The licensing API's benchmark (docs/performance.md): a benchmark, not a test.
# On PostgreSQL (BENCH_API_DB is created if missing, 100k clients are seeded once), gunicorn
# and wrk on loopback; e.g. make bench-api BENCH_API_DB=bench_x BENCH_API_ARGS="--workers 4".
BENCH_API_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_API_DB ?= portal_bench_api
BENCH_API_ARGS ?=
# The bench runs with DEBUG off, as production; throwaway secrets (CERTIFICATE_ENCRYPTION_KEY is
# for the Navi certificates' settings; bench_api makes its own LICENSE_SIGNING_KEY).
BENCH_API_ENV = DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_API_PG)/$(BENCH_API_DB) $(BENCH_SECRETS)
bench-api: .venv/.synced pgbouncer
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing wrk for the benchmark (apt-get)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }
	psql "$(BENCH_API_PG)/postgres" -qtAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_API_DB)'" | grep -q 1 || \
	  psql "$(BENCH_API_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_API_DB)"'
	$(BENCH_API_ENV) $(MANAGE) migrate --no-input -v0
	$(BENCH_API_ENV) $(MANAGE) bench_api $(BENCH_API_ARGS)

# Benchmarks run with DEBUG off, as production, with throwaway secrets.
FERNET_KEY = $$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')
BENCH_SECRETS = DEBUG=false SECRET_KEY=bench-only-$$$$ CERTIFICATE_ENCRYPTION_KEY=$(FERNET_KEY) \
  TWO_FACTOR_ENCRYPTION_KEY=$(FERNET_KEY)

# The Clientes screen at 1,000,000 clients, on PostgreSQL, in its own database (docs/performance.md).
# Seeds once (re-runs reuse the data); BENCH_ARGS passes options, e.g. BENCH_ARGS=--reseed.
BENCH_DB ?= portal_bench
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_EXPORT_ARGS ?=
bench: .venv/.synced
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 || \
	  psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_DB)"'
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) DEBUG=true $(MANAGE) migrate --no-input -v0
	DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(BENCH_SECRETS) $(MANAGE) bench_clients $(BENCH_ARGS)
	@case " $(BENCH_ARGS) " in *" --seed-only "*) ;; *) \
	  DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(BENCH_SECRETS) $(MANAGE) bench_export $(BENCH_EXPORT_ARGS);; esac

# The CSV import against COPY floors measured in the same run (docs/performance.md), on
# PostgreSQL in its own database (created if missing; the partner's clients seeded once);
# e.g. make bench-import BENCH_IMPORT_DB=bench_x BENCH_IMPORT_ARGS="--rounds 5".
BENCH_IMPORT_DB ?= portal_bench_import
BENCH_IMPORT_ARGS ?=
BENCH_IMPORT_ENV = DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_IMPORT_DB) $(BENCH_SECRETS)
bench-import: .venv/.synced
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_IMPORT_DB)'" | grep -q 1 || \
	  psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_IMPORT_DB)"'
	$(BENCH_IMPORT_ENV) $(MANAGE) migrate --no-input -v0
	$(BENCH_IMPORT_ENV) $(MANAGE) bench_import $(BENCH_IMPORT_ARGS)

# Slow clients against the production stack and against gunicorn alone (docs/deploy.md), on
# PostgreSQL in its own database; e.g. make bench-slow-clients BENCH_SLOW_ARGS="--seconds 30".
BENCH_SLOW_DB ?= portal_bench_slow
BENCH_SLOW_ARGS ?=
BENCH_SLOW_ENV = DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_SLOW_DB) $(BENCH_SECRETS)
bench-slow-clients: .venv/.synced nginx
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_SLOW_DB)'" | grep -q 1 || \
	  psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_SLOW_DB)"'
	$(BENCH_SLOW_ENV) $(MANAGE) migrate --no-input -v0
	$(BENCH_SLOW_ENV) $(MANAGE) bench_slow_clients $(BENCH_SLOW_ARGS)

# Atividade with 1,000,000 events next to the Clientes floor (docs/performance.md), in make
# bench's database (seeded by it: make bench BENCH_ARGS=--seed-only); the events added once.
BENCH_ACTIVITY_ARGS ?=
bench-activity: .venv/.synced
	DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(BENCH_SECRETS) $(MANAGE) bench_activity $(BENCH_ACTIVITY_ARGS)

# The money at scale (docs/performance.md): the Crédito page with 1,000,000 ledger entries next to
# the Clientes floor, the balance read, a bulk renewal of 1,000 clients with prices and without;
# in make bench's database (seeded by it: make bench BENCH_ARGS=--seed-only); entries added once.
BENCH_CREDIT_ARGS ?=
bench-credit: .venv/.synced
	DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(BENCH_SECRETS) $(MANAGE) bench_credit $(BENCH_CREDIT_ARGS)

# What a job costs: queueing one, and a 100,000-row import through the portal and a real worker
# next to import_clients (docs/performance.md), in a database of its own (created if missing).
BENCH_TASKS_DB ?= portal_bench_tasks
BENCH_TASKS_ARGS ?=
BENCH_TASKS_ENV = DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=$(BENCH_PG)/$(BENCH_TASKS_DB) $(BENCH_SECRETS)
bench-tasks: .venv/.synced
	@psql "$(BENCH_PG)/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_TASKS_DB)'" | grep -q 1 || \
	  psql "$(BENCH_PG)/postgres" -qc 'CREATE DATABASE "$(BENCH_TASKS_DB)"'
	$(BENCH_TASKS_ENV) $(MANAGE) migrate --no-input -v0
	$(BENCH_TASKS_ENV) $(MANAGE) bench_tasks $(BENCH_TASKS_ARGS)

clean:
	rm -rf .venv .uv staticfiles .pytest_cache .ruff_cache test-artifacts
