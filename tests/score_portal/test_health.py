import pytest

from score_portal import health

pytestmark = pytest.mark.django_db


def test_health_without_worker_is_503_and_says_which_part(client, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: [])
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "RuntimeError: no Celery worker answered",
        "ms": body["checks"]["worker"]["ms"],
    }
    assert body["checks"]["database"]["ok"] is True


def test_health_reports_a_broken_cache(client, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: [{"w": {"ok": "pong"}}])

    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(health.cache, "set", broken)
    body = client.get("/health/").json()
    assert body["checks"]["cache"]["ok"] is False
    assert "cache unreachable" in body["checks"]["cache"]["error"]
    assert body["checks"]["worker"]["ok"] is True


def test_health_needs_no_login_and_is_never_cached(client, monkeypatch):
    monkeypatch.setattr(health.celery_app.control, "ping", lambda **kwargs: [{"w": {"ok": "pong"}}])
    response = client.get("/health/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
