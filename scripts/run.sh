#!/usr/bin/env bash
# Starts the portal for a newcomer: a Celery worker (with beat) beside the web server.
# Without REDIS_URL both talk through Celery's filesystem transport under var/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
mkdir -p var/log var/celery
.venv/bin/celery -A score_portal worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celery/beat-schedule >var/log/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
cat <<MSG

  SCORE Portal: http://$HOST:$PORT/
  Celery worker and beat are running (log: var/log/worker.log).

  Demo logins (password: score-demo):
    administrator  admin@score.demo
    coordinator    coordinator.zj@score.demo  (Zhejiang)
    coordinator    coordinator.sc@score.demo  (Sichuan)
    consultant     consultant1@score.demo
    consultant     consultant2@score.demo

  Stop with Ctrl+C.

MSG
$PY manage.py runserver "$HOST:$PORT"
