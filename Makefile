# Everything a person runs. `make run` serves the demo city; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RUN_DEPS := fonts-noto-cjk libharfbuzz-subset0 gettext
TEST_DEPS := $(RUN_DEPS) chromium poppler-utils
DEV := DEBUG=1
HOST ?= 127.0.0.1:8000
SITE_URL ?= http://$(HOST)

.PHONY: run test install messages makemessages migrate demo lint format bench clean

# The clock (ballots closing, notice periods ending, the daily digest) runs beside the server
# and stops with it, however the server stops.
run: install messages
	$(DEV) $(PY) manage.py migrate --no-input
	$(DEV) $(PY) manage.py load_demo
	$(DEV) SITE_URL='$(SITE_URL)' $(PY) manage.py run_clock & clock=$$!; \
	trap 'kill $$clock 2>/dev/null; wait $$clock' EXIT; \
	$(DEV) SITE_URL='$(SITE_URL)' $(PY) manage.py runserver $(HOST)

# The suite runs on TEST_WORKERS processes (pytest-xdist), the browser tests together on one of
# them. E2E=0 leaves the browser tests out (CI runs them in its PostgreSQL pass only).
TEST_WORKERS ?= auto
E2E ?= 1
test:
	bin/system-deps $(TEST_DEPS)
	$(MAKE) --no-print-directory install messages
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(if $(filter 0,$(E2E)),-m "not e2e") \
		$(PYTEST_ARGS)

install:
	bin/system-deps $(RUN_DEPS)
	@python_path=$$(bin/find-python) || exit 1; \
	uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] || ! "$$uv" --version >/dev/null 2>&1; then \
		[ -x var/tools/bin/uv ] || { mkdir -p var && "$$python_path" -m venv var/tools \
			&& var/tools/bin/pip install -q uv; }; \
		uv=var/tools/bin/uv; \
	fi; \
	"$$uv" sync --locked --python "$$python_path" --quiet

messages:
	@for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done

makemessages:
	$(DEV) $(PY) manage.py makemessages --locale zh_Hans --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'

migrate:
	$(DEV) $(PY) manage.py migrate --no-input

demo:
	$(DEV) $(PY) manage.py load_demo

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) must be running; the
# bench databases are made on the first run (city scale: up to 15 min) and kept. BENCH_ARGS are
# bench/run.py's options (e.g. --scales small --duration 10); bench/README.md says more.
bench: install messages
	bin/system-deps wrk
	$(PY) bench/run.py $(BENCH_ARGS) && $(PY) bench/project_report.py && $(PY) bench/import_register.py

clean:
	rm -rf var/static var/yishi.sqlite3 .pytest_cache
