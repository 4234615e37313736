"""In a browser: asking for a report shows a progress bar that moves on its own, then the download."""

import pytest

from reports import services
from reports.models import ReportJob
from tests.e2e.conftest import login
from tests.enterprises.factories import EnterpriseFactory
from tests.factories import UserFactory, province
from tests.modules.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_progress_bar_moves_and_ends_in_a_download(page, password, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "report_enqueue", lambda job_id: True)  # the test plays the worker
    UserFactory(email="chen@example.org", name="Chen Jing", role="coordinator", provinces=[province("ZJ")])
    enterprise = EnterpriseFactory(name_en="Jiaxing Paper", name_zh="嘉兴纸业", province=province("ZJ"))
    EnrolmentFactory(enterprise=enterprise)
    login(page, "chen@example.org", password)

    page.goto(f"/enterprises/{enterprise.pk}/")
    page.get_by_test_id("ask-report").get_by_role("button", name="Progress report (PDF)").click()
    page.get_by_text("Waiting for a worker").wait_for()
    job = ReportJob.objects.get()

    ReportJob.objects.filter(pk=job.pk).update(status="running", progress=40, step="Gathering the figures")
    page.get_by_text("40%").wait_for()  # polled, not reloaded
    assert page.get_by_text("Gathering the figures").is_visible()

    ReportJob.objects.filter(pk=job.pk).update(status="queued", progress=0, step="")
    services.report_render(job_id=job.pk)
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.goto("/reports/")
    assert page.get_by_test_id("jobs").get_by_text("Done").is_visible()
