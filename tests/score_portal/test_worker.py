"""A task makes the round trip through a real Celery worker and the configured
broker: Redis in CI (REDIS_URL), the filesystem transport on a bare laptop."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from score_portal.celery import app as celery_app
from score_portal.tasks import ping

pytestmark = pytest.mark.worker


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_task_round_trip_through_real_worker(real_worker):
    assert ping.delay().get(timeout=20) == "pong"


def test_broker_is_redis_when_configured():
    if settings.REDIS_URL:
        assert celery_app.conf.broker_url.startswith("redis://")
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert celery_app.conf.broker_url == "filesystem://"


def test_health_reports_every_part_ok_with_a_worker(real_worker, client, db):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
        "worker": True,
    }
