"""/health/: database, cache, broker and a live Celery worker, for probes and people."""

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app as celery_app


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = "health:probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just stored")


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_worker():
    # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
    replies = celery_app.control.ping(timeout=2.0, limit=1)
    if not replies:
        raise RuntimeError("no Celery worker answered")


CHECKS = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
    "worker": _check_worker,
}


@never_cache
def health(request):
    """All parts by default; ``?parts=database,cache`` checks only those (the web
    container's own probe should not fail because a worker is restarting)."""
    wanted = [p for p in request.GET.get("parts", "").split(",") if p in CHECKS] or list(CHECKS)
    results = {}
    healthy = True
    for name in wanted:
        check = CHECKS[name]
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every failure is a finding to report
            healthy = False
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse({"ok": healthy, "checks": results}, status=200 if healthy else 503)
