"""Report jobs: asked for, made in the background with progress, read back, downloaded only
by whom it belongs to; failures end clearly, duplicates collapse, nothing stays stuck."""

import datetime
import io

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone
from pypdf import PdfReader

from reports import services
from reports.kinds import KINDS
from reports.models import ReportJob
from score_portal.celery import app as celery_app
from score_portal.models import AuditEvent
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import province
from tests.modules.factories import EnrolmentFactory, MeasurementFactory, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enterprise():
    enterprise = EnterpriseFactory(name_en="Shaoxing Textiles", name_zh="绍兴纺织", province=province("ZJ"))
    EnrolmentFactory(enterprise=enterprise)
    MeasurementFactory(enterprise=enterprise, indicator=indicator("defect_rate"), source="baseline", value=8)
    MeasurementFactory(
        enterprise=enterprise, indicator=indicator("defect_rate"), period=datetime.date(2026, 6, 1), value=5
    )
    return enterprise


def ask(client, enterprise, language="en"):
    return client.post(f"/reports/enterprise/{enterprise.pk}/", {"language": language})


def pdf_text(job):
    job.refresh_from_db()
    with job.file.open("rb") as f:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)


def test_a_coordinator_asks_sees_progress_and_downloads_the_report(
    client_for, coordinator_zj, enterprise, django_capture_on_commit_callbacks
):
    client = client_for(coordinator_zj)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, enterprise)
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == ("done", 100, 1)
    assert job.gather_seconds is not None and job.render_seconds is not None
    text = pdf_text(job)
    assert "绍兴纺织" in text and "Shaoxing Textiles" in text
    assert "Workplace Cooperation" in text and "Defect rate" in text
    assert "-37.5 %" in text  # 8 -> 5 on a lower-is-better KPI
    page = client.get(f"/reports/{job.pk}/").content.decode()
    assert "Download the PDF" in page and "hx-trigger" not in page
    download = client.get(f"/reports/{job.pk}/download/")
    assert (download.status_code, download["Content-Type"]) == (200, "application/pdf")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="exported", actor=coordinator_zj).exists()
    assert f"/reports/{job.pk}/" in client.get("/reports/").content.decode()


def test_a_chinese_report_is_in_chinese(client_for, coordinator_zj, enterprise, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(coordinator_zj), enterprise, language="zh-hans")
    text = pdf_text(ReportJob.objects.get())
    assert "职场合作" in text and "不良品率" in text and "改进措施" in text


def test_while_it_is_being_made_the_page_polls_and_a_second_ask_joins_it(client_for, coordinator_zj, enterprise):
    client = client_for(coordinator_zj)
    ask(client, enterprise)  # on_commit not run: the job waits in the queue
    second = ask(client, enterprise)
    job = ReportJob.objects.get()
    assert second["Location"] == f"/reports/{job.pk}/"
    fragment = client.get(f"/reports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "Waiting for a worker" in fragment
    ask(client, enterprise, language="zh-hans")  # another language is another report
    assert ReportJob.objects.count() == 2


def test_reports_stay_within_scope(client_for, coordinator_zj, coordinator_sc, consultant1, admin, enterprise):
    assert ask(client_for(coordinator_sc), enterprise).status_code == 404
    assert ask(client_for(consultant1), enterprise).status_code == 403
    assert not ReportJob.objects.exists()
    ask(client_for(coordinator_zj), enterprise)
    job = ReportJob.objects.get()
    services.report_render(job_id=job.pk)
    for user in (coordinator_sc, consultant1):
        client = client_for(user)
        assert client.get(f"/reports/{job.pk}/").status_code in (403, 404)
        assert client.get(f"/reports/{job.pk}/download/").status_code in (403, 404)
    assert client_for(admin).get(f"/reports/{job.pk}/download/").status_code == 200
    # Moved off Zhejiang, the coordinator no longer downloads its old report.
    coordinator_zj.provinces.clear()
    assert client_for(coordinator_zj).get(f"/reports/{job.pk}/download/").status_code == 404


def test_a_failing_report_says_why_and_can_be_tried_again(
    client_for, coordinator_zj, enterprise, monkeypatch, django_capture_on_commit_callbacks
):
    gather = KINDS["enterprise"].gather
    monkeypatch.setattr(KINDS["enterprise"], "gather", lambda params, progress: 1 / 0, raising=False)
    client = client_for(coordinator_zj)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, enterprise)
    job = ReportJob.objects.get()
    assert job.status == "failed" and "error in the portal" in job.error
    page = client.get(f"/reports/{job.pk}/").content.decode()
    assert "The report could not be made." in page and "Try again" in page
    monkeypatch.setattr(KINDS["enterprise"], "gather", gather, raising=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/{job.pk}/retry/")
    job.refresh_from_db()
    assert (job.status, job.error) == ("done", "")


def test_a_task_that_meets_a_transient_fault_once_finishes(
    client_for, coordinator_zj, enterprise, monkeypatch, django_capture_on_commit_callbacks
):
    gather, calls = KINDS["enterprise"].gather, []

    def flaky(params, progress):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return gather(params, progress)

    monkeypatch.setattr(KINDS["enterprise"], "gather", flaky, raising=False)
    # As a worker does: a retry is not an error to pass up, it is the task run again.
    celery_app.conf.task_eager_propagates = False  # the conftest sets it back for the next test
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(coordinator_zj), enterprise)
    job = ReportJob.objects.get()
    assert (job.status, job.attempts, len(calls)) == ("done", 2, 2)


def test_a_redelivered_task_finishes_the_job_a_duplicate_leaves_it_alone(client_for, coordinator_zj, enterprise):
    ask(client_for(coordinator_zj), enterprise)
    job = ReportJob.objects.get()
    ReportJob.objects.filter(pk=job.pk).update(status="running", task_id="task-A", started_at=timezone.now())
    assert services.report_render(job_id=job.pk, task_id="task-B") is None  # another worker is on it
    job.refresh_from_db()
    assert job.status == "running"
    # The worker running task-A was killed: the broker hands task-A out again.
    services.report_render(job_id=job.pk, task_id="task-A")
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)


def test_no_job_stays_running_forever(client_for, coordinator_zj, enterprise, settings):
    ask(client_for(coordinator_zj), enterprise)
    job = ReportJob.objects.get()
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    ReportJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=1, task_id="dead")
    assert services.jobs_check_stale() == {"failed": 0, "requeued": 1}
    job.refresh_from_db()
    assert job.status == "done"  # sent again (Celery runs eagerly here) and finished
    ReportJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago, attempts=3, task_id="dead")
    assert services.jobs_check_stale()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and "could not be finished" in job.error


def test_a_queue_that_is_down_loses_no_job(client_for, coordinator_zj, enterprise, monkeypatch, settings):
    from kombu.exceptions import OperationalError as BrokerDown

    def down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("reports.tasks.render_report.delay", down)
    job, created = services.report_request(
        actor=coordinator_zj, kind="enterprise", params={"enterprise": enterprise.pk}, language="en"
    )
    services.report_enqueue(job_id=job.pk)
    job.refresh_from_db()
    assert (created, job.status) == (True, "queued")
    monkeypatch.undo()
    ReportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    services.jobs_check_stale()
    job.refresh_from_db()
    assert job.status == "done"


def test_old_files_are_deleted_and_long_reports_are_announced(
    client_for, coordinator_zj, enterprise, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_EMAIL_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(coordinator_zj), enterprise)
    job = ReportJob.objects.get()
    assert [m.to for m in mail.outbox] == [[coordinator_zj.email]]
    assert "Your report is ready" in mail.outbox[0].subject and f"/reports/{job.pk}/" in mail.outbox[0].body
    path = settings.MEDIA_ROOT / job.file.name
    assert path.exists()
    ReportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    assert services.reports_delete_expired() == 1
    job.refresh_from_db()
    assert not path.exists() and not job.file
    assert (
        "deleted after the retention period" in client_for(coordinator_zj).get(f"/reports/{job.pk}/").content.decode()
    )


def test_the_enterprise_page_offers_the_report_to_staff_only(client_for, coordinator_zj, consultant1, enterprise):
    from tests.consultants.factories import assigned_visit

    assigned_visit(consultant1, enterprise.enrolments.get())
    assert "Progress report (PDF)" in client_for(coordinator_zj).get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "Progress report (PDF)" not in client_for(consultant1).get(f"/enterprises/{enterprise.pk}/").content.decode()
