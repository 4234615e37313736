"""A report made by a real Celery worker through the configured broker (Redis in CI):
queued -> running -> done, the progress reaching 100 and the file on disk."""

import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from pypdf import PdfReader

from reports import services
from reports.models import ReportJob
from score_portal.celery import app as celery_app
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import UserFactory, province
from tests.modules.factories import EnrolmentFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def real_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_a_report_goes_through_a_real_worker(real_worker, settings):
    coordinator = UserFactory(email="chen@example.org", role="coordinator", provinces=[province("ZJ")])
    enterprise = EnterpriseFactory(name_en="Jiaxing Paper", name_zh="嘉兴纸业", province=province("ZJ"))
    EnrolmentFactory(enterprise=enterprise)
    job, created = services.report_request(
        actor=coordinator, kind="enterprise", params={"enterprise": enterprise.pk}, language="zh-hans"
    )
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.status)
        if job.status in ("done", "failed"):
            break
        time.sleep(0.05)
    assert created and job.status == "done", (job.status, job.error)
    assert job.progress == 100 and job.attempts == 1 and job.finished_at >= job.started_at
    assert seen <= {"queued", "running", "done"}
    path = settings.MEDIA_ROOT / job.file.name
    assert path.exists() and path.stat().st_size == job.size
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "嘉兴纸业" in text and "职场合作" in text
    assert ReportJob.objects.count() == 1
