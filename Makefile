# The two commands of README: `make run` (set up and start the demo) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint security venv deps os-deps migrate seed worker messages clean backup restore

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

deps: $(PY)
	$(PIP) install --quiet -r requirements-dev.txt

os-deps:
	bash scripts/os-deps.sh

migrate: deps
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: os-deps seed
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Security scan: bandit over the code, pip-audit over the requirements (an unreachable vulnerability
# service is reported, not failed: see the script).
security: deps
	bash scripts/security-scan.sh

test: os-deps lint security
	bash scripts/pytest.sh

messages: deps
	$(PY) manage.py makemessages -l zh_Hans --no-location --no-obsolete --ignore=.venv --ignore=static --ignore=tests --ignore=var --ignore=media --ignore=docs
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Backups: the database and the uploaded files in one archive under backups/ (BACKUP_DIR);
# restore one into an empty database and MEDIA_ROOT (RESTORE_FORCE=1 replaces what is there).
backup: deps
	bash scripts/backup.sh

restore: deps
	@test -n "$(ARCHIVE)" || { echo "Which backup? make restore ARCHIVE=backups/score-portal-YYYYmmdd-HHMMSS.tar.gz"; exit 1; }
	bash scripts/restore.sh "$(ARCHIVE)"

clean:
	rm -rf var media staticfiles db.sqlite3
