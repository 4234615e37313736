"""With Redis stopped the portal keeps working: pages and sign-in are served (the cache is only
a cache), and a PDF asked for meanwhile is kept and says it will start when the queue is back;
once Redis runs again the periodic check hands it to the queue.

The test runs its own redis-server on a free port and really stops and restarts it, so the
Redis the rest of the suite uses is never touched."""

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache

from reports import services
from reports.models import JobStatus, ReportJob
from score_portal.celery import app as celery_app
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is installed by .ci/run"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self, port):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def queued_messages(self):
        return redis.Redis(port=self.port, db=1).llen("celery")


def fresh_connections():
    """Celery connects to the broker it is configured with now (kombu keeps one pool per URL)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings):
    server = PrivateRedis(free_port())
    server.start()
    url = f"redis://127.0.0.1:{server.port}"
    settings.CACHES = {"default": {"BACKEND": "score_portal.cache.TolerantRedisCache", "LOCATION": f"{url}/0"}}
    before = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = f"{url}/1", False
    fresh_connections()
    yield server
    if server.process.poll() is None:
        server.stop()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = before
    fresh_connections()


def sign_in(client, user, password):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def test_pages_and_reports_go_on_while_redis_is_stopped(client, coordinator_zj, password, private_redis):
    enterprise = EnterpriseFactory(name_en="Ningbo Valves", province=province("ZJ"))
    cache.set("probe", "up")
    assert cache.get("probe") == "up"  # the portal really uses this Redis

    private_redis.stop()
    assert cache.get("probe") is None

    assert sign_in(client, coordinator_zj, password).status_code == 302
    for page in ("/", "/dashboard/", "/enterprises/", f"/enterprises/{enterprise.pk}/", "/reports/"):
        response = client.get(page)
        assert response.status_code == 200, page
    assert "Ningbo Valves" in client.get("/enterprises/").content.decode()

    started = time.monotonic()
    response = client.post(f"/reports/enterprise/{enterprise.pk}/", {"language": "en"})
    assert time.monotonic() - started < 5  # a stopped queue costs a moment, not a hang
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{job.pk}/"
    assert (job.status, job.step) == (JobStatus.QUEUED, services.QUEUE_DOWN)
    page = client.get(response["Location"]).content.decode()
    assert "The report queue cannot be reached just now" in page

    private_redis.start()
    cache.set("probe", "back")  # the cache's kept client connects again by itself
    assert cache.get("probe") == "back"
    assert private_redis.queued_messages() == 0
    services.jobs_check_stale()  # what beat runs every few minutes
    job.refresh_from_db()
    assert (job.status, job.step) == (JobStatus.QUEUED, "")
    assert private_redis.queued_messages() == 1  # handed to the queue: a worker will make it
    assert "The report queue cannot be reached" not in client.get(f"/reports/{job.pk}/").content.decode()


def test_threads_share_the_caches_one_client_per_server(private_redis):
    from concurrent.futures import ThreadPoolExecutor

    from django.core.cache import caches

    backend = caches["default"]
    backend.set_many({f"k{n}": n for n in range(40)})
    with ThreadPoolExecutor(8) as pool:
        read = list(pool.map(lambda n: backend.get(f"k{n}"), range(40)))
    assert read == list(range(40))
    assert backend._cache.get_client("k1") is backend._cache.get_client("k2")
